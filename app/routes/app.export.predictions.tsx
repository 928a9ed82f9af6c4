// Each customer's prediction as a CSV download (the Customers page's "Export predictions"), its
// headings in the page's language (`locale`).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvResponse, csvStream } from "#app/exports/csv.server";
import { predictionsExport } from "#app/exports/predictions-export.server";
import { badRequest } from "#app/http.server";
import { requestLocale } from "#app/i18n";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { fileName, header, rows } = await badRequest.wrap(() => predictionsExport(session.shop, requestLocale(request)));
  return csvResponse(fileName, csvStream(header, rows));
};
