// The customer page's admin block (extensions/metryka-customer-block) reads a customer's
// standing here. The block's fetch carries the admin's session token (`Authorization: Bearer`,
// added by Shopify to requests to the app's URL); authenticate.admin verifies it, answers the
// CORS preflight itself and gives the `cors` helper for the answer. The shop comes from the
// token only: a customer of another shop is as unknown as one that does not exist (404).
// https://shopify.dev/docs/api/shopify-app-remix/v3/authenticate/admin (admin extensions)
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { customerBlockData } from "#app/dashboard/customer-block";
import { readyShopContext } from "#app/dashboard/page-query.server";
import { badRequest } from "#app/http.server";
import { customerPrediction } from "#app/metrics/prediction.server";
import { customerStanding, parseCustomerId } from "#app/metrics/retention.server";
import { authenticate } from "#app/shopify.server";

/** Only a session token may ask: a request without one is refused before anything else. */
function requireBearer(request: Request): void {
  if (request.method === "OPTIONS") return;
  if (!/^Bearer \S+$/.test(request.headers.get("authorization") ?? "")) {
    throw new Response("A session token is required", { status: 401 });
  }
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
  });

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  requireBearer(request);
  const { session, cors } = await authenticate.admin(request);
  const id = parseCustomerId(params.id ?? "");
  if (id === null) return cors(json({ error: "The customer id must be a positive whole number" }, 400));
  let standing;
  try {
    // A refusal as JSON, as a page's loader gives it (http.server.ts `PageRefusal`): a 503 says
    // how long the recompute has run and how long the store's last one took, and the block says so.
    standing = await badRequest.page(async () => {
      const context = await readyShopContext(session.shop);
      return customerStanding(session.shop, id, { now: new Date() }, context);
    });
  } catch (thrown) {
    // A 4xx (the shop not installed), or a 503 while the store's numbers are being recomputed
    // in its new time zone or currency, still needs CORS headers for the block to read it.
    if (thrown instanceof Response) return cors(thrown);
    throw thrown;
  }
  if (!standing) return cors(json({ error: "No such customer" }, 404));
  // The cached fit's figures for the customer, when the shop has one (docs/metrics.md,
  // "Predictions"); without it (not fitted yet, too little history) the block shows none.
  const predicted = await customerPrediction(session.shop, id);
  const prediction =
    predicted.status === "ready"
      ? {
          probabilityAlive: predicted.prediction.probabilityAlive,
          returnProbability: predicted.prediction.returnProbability,
          group: predicted.prediction.group,
          expectedOrders: predicted.prediction.expectedOrders,
          expectedSpend365: predicted.prediction.expectedSpend365,
        }
      : null;
  return cors(json(customerBlockData(standing, prediction)));
};

// Remix hands the CORS preflight (OPTIONS) to the loader, where authenticate.admin answers it;
// other methods come here and are refused, with CORS headers so the block can read why.
export const action = async ({ request }: ActionFunctionArgs) => {
  requireBearer(request);
  const { cors } = await authenticate.admin(request);
  return cors(new Response("Method not allowed", { status: 405, headers: { Allow: "GET" } }));
};
