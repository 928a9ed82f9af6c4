// Sales by period as a CSV download (Overview's "Export"), for the range in the query string, its
// headings in the page's language (`locale`).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvResponse, csvStream } from "#app/exports/csv.server";
import { salesExport } from "#app/exports/sales-export.server";
import { badRequest } from "#app/http.server";
import { requestLocale } from "#app/i18n";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { fileName, header, rows } = await badRequest.wrap(() => salesExport(session.shop, new URL(request.url).searchParams, new Date(), requestLocale(request)));
  return csvResponse(fileName, csvStream(header, rows));
};
