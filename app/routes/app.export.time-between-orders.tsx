// Time between orders as a CSV download (the Retention page's histogram and quartiles), for the
// range in the query string, its headings in the page's language (`locale`).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvResponse, csvStream } from "#app/exports/csv.server";
import { timeBetweenOrdersExport } from "#app/exports/retention-exports.server";
import { badRequest } from "#app/http.server";
import { requestLocale } from "#app/i18n";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { fileName, header, rows } = await badRequest.wrap(() => timeBetweenOrdersExport(session.shop, new URL(request.url).searchParams, new Date(), requestLocale(request)));
  return csvResponse(fileName, csvStream(header, rows));
};
