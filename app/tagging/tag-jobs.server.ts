// Tagging customers of a Metryka list in Shopify, as a shop job (docs/decisions/003): the
// merchant's request is recorded (customer ids, the tag, counts: never a name) and a `tags` job
// queued; the job sends one `tagsAdd` or `tagsRemove` per customer through the cost-aware client
// (app/shopify/admin-client.server.ts, which waits out THROTTLED answers), records its progress
// after each customer (a run that stops resumes where it was), and reports every customer
// Shopify refused with Shopify's message. A missing `write_customers` grant ends the request
// with that said, so the page can ask the merchant to approve the app's access.
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { enqueueShopJob } from "#app/jobs/queue.server";
import type { AdminClient } from "#app/shopify/admin-client.server";
import { ShopifyApiError } from "#app/shopify/admin-client.server";
import {
  checkTag,
  CUSTOMER_TAGS_ADD,
  CUSTOMER_TAGS_REMOVE,
  MAX_TAG_CUSTOMERS,
  TAGGING_SCOPE,
  type TagProblem,
  type TagRefusal,
  type TagsPayload,
} from "#app/shopify/customer-tags";
import { idToGid } from "#app/shopify/gid";

export const TAG_ACTIONS = ["add", "remove"] as const;
export type TagAction = (typeof TAG_ACTIONS)[number];

/** How many of a request's refused customers the page lists (the count covers all). */
export const SHOWN_FAILURES = 20;

/** A tagging request refused (a 4xx): the English `message` for logs, `refusal` for the page. */
export class TagRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403,
    readonly refusal: TagRefusal,
  ) {
    super(message);
    this.name = "TagRequestError";
  }
}

/** A tag Shopify would refuse or change: a 400 naming the rule. */
export class InvalidTagError extends TagRequestError {
  constructor(readonly problem: TagProblem) {
    super(
      problem === "empty"
        ? "Give a tag name"
        : problem === "comma"
          ? "A tag name cannot hold a comma (Shopify reads it as two tags)"
          : "A tag name is at most 255 characters",
      400,
      { key: "tag", problem },
    );
    this.name = "InvalidTagError";
  }
}

/** Nothing to tag, or more than one request may hold: a 400. */
export class InvalidSelectionError extends TagRequestError {
  constructor(message: string, refusal: TagRefusal) {
    super(message, 400, refusal);
    this.name = "InvalidSelectionError";
  }
}

/** More customers than one request may hold: a 400 saying to narrow the list. */
export function tooManyCustomers(): InvalidSelectionError {
  return new InvalidSelectionError(`At most ${MAX_TAG_CUSTOMERS} customers at once: narrow the list with its filters`, {
    key: "tooMany",
    max: MAX_TAG_CUSTOMERS,
  });
}

/** The store has not granted write_customers: a 403 saying what to do. */
export class TaggingNotGrantedError extends TagRequestError {
  constructor() {
    super(
      "Tagging customers needs the “Modify customer details” permission (write_customers), which this store has not granted. " +
        "Approve the app's updated access in Shopify admin › Apps › Metryka.",
      403,
      { key: "notGranted" },
    );
    this.name = "TaggingNotGrantedError";
  }
}

export interface TagFailure {
  customerId: string;
  message: string;
}

export interface TagJobSummary {
  id: string;
  action: TagAction;
  tag: string;
  total: number;
  done: number;
  failed: number;
  /** The first SHOWN_FAILURES refused customers. */
  failures: TagFailure[];
  status: "queued" | "running" | "finished" | "failed";
  /** Why the whole request ended (the grant missing), or null. */
  error: "not_granted" | null;
  createdAt: string;
  finishedAt: string | null;
}

/** Whether the shop granted write_customers (its recorded scopes). */
export async function taggingGranted(shop: string): Promise<boolean> {
  const row = await prisma.shop.findUnique({ where: { domain: shop }, select: { scopes: true } });
  return (row?.scopes ?? "").split(",").map((s) => s.trim()).includes(TAGGING_SCOPE);
}

/**
 * Records a request to add or remove `tag` on these customers (ids of the shop's list) and
 * queues the shop's `tags` job. Throws InvalidTagError, InvalidSelectionError and
 * TaggingNotGrantedError; nothing is recorded then.
 */
export async function requestTagging(shop: string, request: { action: TagAction; tag: string; customerIds: readonly bigint[] }): Promise<TagJobSummary> {
  const checked = checkTag(request.tag);
  if ("problem" in checked) throw new InvalidTagError(checked.problem);
  const ids = [...new Set(request.customerIds)];
  if (ids.length === 0) throw new InvalidSelectionError("Choose at least one customer", { key: "noCustomers" });
  if (ids.length > MAX_TAG_CUSTOMERS) throw tooManyCustomers();
  if (!(await taggingGranted(shop))) throw new TaggingNotGrantedError();
  const row = await prisma.customerTagJob.create({ data: { shop, action: request.action, tag: checked.tag, customerIds: ids } });
  await enqueueShopJob({ shop, kind: "tags" });
  return summary(row);
}

type Row = Prisma.CustomerTagJobGetPayload<object>;

function summary(row: Row): TagJobSummary {
  const failures = row.failures as unknown as TagFailure[];
  return {
    id: row.id.toString(),
    action: row.action as TagAction,
    tag: row.tag,
    total: row.customerIds.length,
    done: row.done,
    failed: failures.length,
    failures: failures.slice(0, SHOWN_FAILURES),
    status: row.status as TagJobSummary["status"],
    error: row.error === "not_granted" ? "not_granted" : null,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** The shop's latest tagging requests, newest first. */
export async function recentTagJobs(shop: string, limit = 5): Promise<TagJobSummary[]> {
  const rows = await prisma.customerTagJob.findMany({ where: { shop }, orderBy: { id: "desc" }, take: limit });
  return rows.map(summary);
}

/** One of the shop's requests, or null (another shop's id is not found). */
export async function tagJob(shop: string, id: bigint): Promise<TagJobSummary | null> {
  const row = await prisma.customerTagJob.findUnique({ where: { shop_id: { shop, id } } });
  return row ? summary(row) : null;
}

/**
 * The `tags` job: every unfinished request of the shop, oldest first, customer by customer from
 * where it stopped. A userError or a refusal of one customer is recorded and the job goes on;
 * ACCESS_DENIED (write_customers not granted) ends the request as failed; a failure that may
 * pass (throttled or unreachable past the client's retries, the shop's lock lost) is thrown, so
 * the queue runs the job again and it resumes.
 */
export async function runTagJobs(shop: string, client: AdminClient): Promise<void> {
  for (;;) {
    const row = await prisma.customerTagJob.findFirst({ where: { shop, status: { in: ["queued", "running"] } }, orderBy: { id: "asc" } });
    if (!row) return;
    await prisma.customerTagJob.update({ where: { shop_id: { shop, id: row.id } }, data: { status: "running" } });
    const document = row.action === "remove" ? CUSTOMER_TAGS_REMOVE : CUSTOMER_TAGS_ADD;
    const field = row.action === "remove" ? "tagsRemove" : "tagsAdd";
    let denied = false;
    for (let index = row.done; index < row.customerIds.length; index++) {
      const customerId = row.customerIds[index];
      let failure: TagFailure | null = null;
      try {
        const data = await client.request<Record<string, TagsPayload>>(document, { id: idToGid(customerId, "Customer"), tags: [row.tag] });
        const errors = data[field]?.userErrors ?? [];
        if (errors.length > 0) failure = { customerId: customerId.toString(), message: errors.map((e) => e.message).join("; ") };
      } catch (error) {
        if (error instanceof ShopifyApiError && error.code === "ACCESS_DENIED") {
          denied = true;
          break;
        }
        if (!(error instanceof ShopifyApiError) || error.retryable || error.code === "ABORTED") throw error;
        failure = { customerId: customerId.toString(), message: error.message };
      }
      // A customer redacted meanwhile has left the list: their refusal is not kept either.
      await prisma.$executeRaw`
        UPDATE customer_tag_jobs SET done = ${index + 1},
          failures = failures || CASE WHEN ${customerId}::bigint = ANY(customer_ids) THEN ${failure ? JSON.stringify([failure]) : "[]"}::jsonb ELSE '[]'::jsonb END
        WHERE shop = ${shop} AND id = ${row.id}`;
    }
    await prisma.customerTagJob.update({
      where: { shop_id: { shop, id: row.id } },
      data: denied ? { status: "failed", error: "not_granted", finishedAt: new Date() } : { status: "finished", finishedAt: new Date() },
    });
  }
}

/**
 * customers/redact: the customers' ids leave every tagging request of the shop (its list, its
 * progress counts the ones already sent less, its refusals), in the redaction's transaction.
 */
export async function forgetTaggedCustomers(tx: Prisma.TransactionClient, shop: string, customers: bigint[]): Promise<void> {
  const texts = customers.map(String);
  await tx.$executeRaw`
    UPDATE customer_tag_jobs SET
      done = done - (SELECT count(*)::int FROM unnest(customer_ids[1:done]) c WHERE c = ANY(${customers}::bigint[])),
      customer_ids = ARRAY(SELECT c FROM unnest(customer_ids) WITH ORDINALITY AS u(c, n) WHERE c <> ALL(${customers}::bigint[]) ORDER BY n),
      failures = coalesce((SELECT jsonb_agg(f ORDER BY n) FROM jsonb_array_elements(failures) WITH ORDINALITY AS e(f, n)
                           WHERE NOT (f->>'customerId' = ANY(${texts}::text[]))), '[]'::jsonb)
    WHERE shop = ${shop} AND customer_ids && ${customers}::bigint[]`;
}
