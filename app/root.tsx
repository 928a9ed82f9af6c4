import type { MetaFunction } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from "@remix-run/react";
import type { loader as appLoader } from "./routes/app";

// Every document has a title (screen readers announce it, the browser's history shows it); the
// admin shows the app's own name, so the app's pages need no other.
export const meta: MetaFunction = () => [{ title: "Metryka" }];

export default function Root() {
  // The embedded app's language (routes/app.tsx); pages outside it are in English.
  const lang = useRouteLoaderData<typeof appLoader>("routes/app")?.locale ?? "en";
  return (
    <html lang={lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <link rel="icon" type="image/png" href="/favicon.png" />
        <link rel="preconnect" href="https://cdn.shopify.com/" />
        <Meta />
        <Links />
      </head>
      <body>
        <Outlet />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}
