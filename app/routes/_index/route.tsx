import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";

// Opened outside the admin with ?shop=…: continue into the embedded app, which handles the
// install. Without a shop there is nothing to show here: the app lives inside the admin.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return null;
};

export default function Landing() {
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 560, margin: "4rem auto", lineHeight: 1.5 }}>
      <h1>Metryka</h1>
      <p>
        Conversion, retention and sales growth for your Shopify store, computed from your own orders. Open
        Metryka from your store&apos;s admin, under Apps.
      </p>
    </main>
  );
}
