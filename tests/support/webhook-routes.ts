// The app's webhook route modules behind Remix's own request handler (@remix-run/node's
// createRequestHandler), so that a request is routed and dispatched to the route's loader or
// action exactly as the built app does it: what Remix answers for a method a route does not
// handle is what Shopify, or anyone, would get.
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { WEBHOOK_TOPICS } from "#app/sync/rest-payloads";

type RouteModule = ServerBuild["routes"][string]["module"];

/** The route file of a topic: app/routes/webhooks.<topic with "/" as ".">.tsx */
export const webhookRouteFile = (topic: string) => `webhooks.${topic.replace("/", ".")}`;

export async function webhookRouteModule(topic: string): Promise<RouteModule> {
  return (await import(`../../app/routes/${webhookRouteFile(topic)}.tsx`)) as RouteModule;
}

/** A request handler serving only the webhook routes, at /webhooks/<topic> as in the app. */
export async function webhookRequestHandler(): Promise<(request: Request) => Promise<Response>> {
  const routes: ServerBuild["routes"] = {
    root: { id: "root", path: "", module: { default: () => null } as unknown as RouteModule },
  };
  for (const topic of WEBHOOK_TOPICS) {
    const id = `routes/${webhookRouteFile(topic)}`;
    routes[id] = { id, parentId: "root", path: `webhooks/${topic}`, module: await webhookRouteModule(topic) };
  }
  const build = {
    mode: "production",
    entry: { module: { default: () => new Response("no documents here", { status: 500 }) } },
    routes,
    assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
    publicPath: "/",
    assetsBuildDirectory: "build/client",
    future: {},
    isSpaMode: false,
  } as unknown as ServerBuild;
  const handler = createRequestHandler(build, "production");
  return (request) => handler(request);
}
