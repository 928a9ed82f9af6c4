import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook, webhookMethodNotAllowed } from "#app/sync/webhooks.server";

export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request);
// Without a loader, Remix answers a GET or HEAD with its own 400.
export const loader = () => webhookMethodNotAllowed();
