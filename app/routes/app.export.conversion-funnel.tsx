// The checkout funnel as a CSV download (the Conversion page's), for the range and source in the
// query string, its headings in the page's language (`locale`).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvResponse, csvStream } from "#app/exports/csv.server";
import { conversionFunnelExport } from "#app/exports/conversion-exports.server";
import { badRequest } from "#app/http.server";
import { requestLocale } from "#app/i18n";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { fileName, header, rows } = await badRequest.wrap(() => conversionFunnelExport(session.shop, new URL(request.url).searchParams, new Date(), requestLocale(request)));
  return csvResponse(fileName, csvStream(header, rows));
};
