// A customer list (at risk or repeat buyers) with the page's filters and sort as a CSV download
// (the Customers page's "Export list"), its headings in the page's language (`locale`).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvResponse, csvStream } from "#app/exports/csv.server";
import { customersExport } from "#app/exports/customers-export.server";
import { badRequest } from "#app/http.server";
import { requestLocale } from "#app/i18n";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { fileName, header, rows } = await badRequest.wrap(() =>
    customersExport(session.shop, new URL(request.url).searchParams, new Date(), requestLocale(request)),
  );
  return csvResponse(fileName, csvStream(header, rows));
};
