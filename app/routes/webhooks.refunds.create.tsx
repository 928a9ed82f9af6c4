import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "#app/sync/webhooks.server";

export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request);
