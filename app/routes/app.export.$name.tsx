// Every table's CSV download (`/app/export/<name>`: the pages' export buttons), built by the
// export of that name in app/exports/registry.server.ts with the page's query string, its
// headings in the page's language (`locale`). An export that does not exist is a 404; a query it
// cannot serve, or a store whose numbers are being recomputed (a 503 with how far along; for the
// portfolio's file, each member store being recomputed), is answered as a page's loader answers
// it (`badRequest.page`), for the page to say in the admin's language (DownloadFailedBanner).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvResponse, csvStream } from "#app/exports/csv.server";
import { EXPORTS, isExportName } from "#app/exports/registry.server";
import { badRequest } from "#app/http.server";
import { requestLocale } from "#app/i18n";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  if (!isExportName(params.name)) throw new Response("No such export", { status: 404 });
  const definition = EXPORTS[params.name];
  const { fileName, header, rows } = await badRequest.page(() =>
    definition.build(session.shop, new URL(request.url).searchParams, new Date(), requestLocale(request)),
  );
  return csvResponse(fileName, csvStream(header, rows));
};
