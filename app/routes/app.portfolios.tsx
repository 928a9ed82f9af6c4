// Portfolio membership, changed from Settings: create, join with a code, leave, remove a member,
// make a new code, dissolve. The acting store and staff member come from the session only.
import { json, type ActionFunctionArgs } from "@remix-run/node";
import { portfolioAction } from "#app/portfolios/portfolio-actions.server";
import { PortfolioNotFoundError, PortfolioRequestError } from "#app/portfolios/portfolios.server";
import { authenticate } from "#app/shopify.server";

export const loader = () => new Response("Portfolios are changed with POST", { status: 405, headers: { Allow: "POST" } });

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, sessionToken } = await authenticate.admin(request);
  const actor = { shop: session.shop, userId: typeof sessionToken?.sub === "string" ? sessionToken.sub : null };
  try {
    return json(await portfolioAction(actor, await request.formData()));
  } catch (error) {
    // A refusal is answered with why, for the card to show; nothing was changed.
    if (error instanceof PortfolioRequestError || error instanceof PortfolioNotFoundError) {
      return json({ ok: false as const, message: error.message, key: error.key }, { status: error.status });
    }
    throw error;
  }
};
