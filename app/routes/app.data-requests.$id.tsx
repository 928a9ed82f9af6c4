// A customer data request's export as a JSON file, for the merchant to send on (Settings page).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticate } from "#app/shopify.server";
import { dataRequestExport } from "#app/sync/privacy.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const id = params.id ?? "";
  const exported = /^[1-9]\d{0,18}$/.test(id) ? await dataRequestExport(session.shop, id) : null;
  if (!exported) throw new Response("No such data request", { status: 404 });
  return new Response(JSON.stringify(exported.contents, null, 2), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="metryka-data-request-${id}.json"`,
      "Cache-Control": "no-store",
    },
  });
};
