// The Portfolio page's table as a CSV download, for the portfolio, range and comparison in the query string,
// its headings in the page's language (`locale`).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvResponse, csvStream } from "#app/exports/csv.server";
import { badRequest } from "#app/http.server";
import { requestLocale } from "#app/i18n";
import { portfolioExport } from "#app/portfolios/portfolio-page.server";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { fileName, header, rows } = await badRequest.wrap(() => portfolioExport(session.shop, new URL(request.url).searchParams, new Date(), requestLocale(request)));
  return csvResponse(fileName, csvStream(header, rows));
};
