// The app's webhook routes behind a real HTTP listener, for the simulator to post to the way
// Shopify does: each request goes through the route module's action, as in the running app.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ActionFunctionArgs } from "@remix-run/node";

type Route = () => Promise<{ action: (args: ActionFunctionArgs) => Promise<Response> }>;

const ROUTES: Record<string, Route> = {
  "orders/create": () => import("#app/routes/webhooks.orders.create"),
  "orders/updated": () => import("#app/routes/webhooks.orders.updated"),
  "orders/cancelled": () => import("#app/routes/webhooks.orders.cancelled"),
  "orders/edited": () => import("#app/routes/webhooks.orders.edited"),
  "orders/delete": () => import("#app/routes/webhooks.orders.delete"),
  "refunds/create": () => import("#app/routes/webhooks.refunds.create"),
  "customers/create": () => import("#app/routes/webhooks.customers.create"),
  "customers/update": () => import("#app/routes/webhooks.customers.update"),
  "customers/delete": () => import("#app/routes/webhooks.customers.delete"),
  "customers/merge": () => import("#app/routes/webhooks.customers.merge"),
  "bulk_operations/finish": () => import("#app/routes/webhooks.bulk_operations.finish"),
};

/** Starts the listener; returns its base URL (webhooks go to `${url}/webhooks/<topic>`) and a stop. */
export async function startAppWebhooks(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      try {
        const route = ROUTES[(req.url ?? "").replace(/^\/webhooks\//, "")];
        if (!route) {
          res.writeHead(404).end();
          return;
        }
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
        const request = new Request(`http://app.test${req.url}`, { method: "POST", headers, body: Buffer.concat(chunks) });
        const response = await (await route()).action({ request, params: {}, context: {} });
        res.writeHead(response.status).end(await response.text());
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
