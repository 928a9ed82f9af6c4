// The Customers page's tagging form: which customers (the ones ticked, or all the list's
// customers matching its filters), which tag, add or remove. Read with zod; a bad form is a 400
// and records nothing. Customers are taken only from this shop's own records, so another
// shop's ids are refused.
import { z } from "zod";
import prisma from "#app/db.server";
import { customerListQuery } from "#app/dashboard/customers-page.server";
import { requireFiguresReady, shopPage } from "#app/dashboard/page-query.server";
import { RecomputingError } from "#app/metrics/context.server";
import { invalidParameter } from "#app/metrics/query-refusal";
import { parseCustomerId } from "#app/metrics/retention.server";
import { everyListedCustomer } from "#app/exports/customers-export.server";
import { MAX_TAG_CUSTOMERS, type TagRefusal } from "#app/shopify/customer-tags";
import { InvalidSelectionError, requestTagging, TAG_ACTIONS, TagRequestError, tooManyCustomers, type TagJobSummary } from "./tag-jobs.server";

const FORM = z.object({
  action: z.enum(TAG_ACTIONS),
  tag: z.string().max(2000),
  selection: z.enum(["ids", "all"]),
  ids: z.string().max(30 * MAX_TAG_CUSTOMERS).default(""),
  /** The page's query string: the list, its filters and sort. */
  query: z.string().max(8000).default(""),
});

/** The ids given that are customers of this shop (an id of another shop's is not). */
async function shopCustomers(shop: string, ids: bigint[]): Promise<bigint[]> {
  if (ids.length === 0) return [];
  const rows = await prisma.$queryRaw<Array<{ customer_id: bigint }>>`
    SELECT DISTINCT customer_id FROM customer_totals WHERE shop = ${shop} AND customer_id = ANY(${ids}::bigint[])`;
  return rows.map((row) => row.customer_id);
}

export type TagFormResult = { ok: true; job: TagJobSummary } | { ok: false; status: number; message: string; refusal: TagRefusal };

/**
 * Records the request (requestTagging) from the posted form: the job, or the 4xx and its reason
 * (a bad form or tag, no customer chosen, write_customers not granted), nothing recorded then.
 * A form the page would not send (a parameter out of bounds) is refused as unreadable. All of a
 * list's customers while the store's numbers are being recomputed is a 503 saying so, at once:
 * the list is read from the rollups being rebuilt.
 */
export async function tagCustomersForm(shop: string, form: FormData, now: Date): Promise<TagFormResult> {
  try {
    return { ok: true, job: await tagCustomers(shop, form, now) };
  } catch (error) {
    if (error instanceof RecomputingError) return { ok: false, status: error.status, message: error.message, refusal: { key: "recomputing" } };
    const status = error instanceof Error && "status" in error ? (error as { status: unknown }).status : null;
    if (typeof status === "number" && status >= 400 && status < 500) {
      const refusal: TagRefusal = error instanceof TagRequestError ? error.refusal : { key: "unreadable" };
      return { ok: false, status, message: (error as Error).message, refusal };
    }
    throw error;
  }
}

async function tagCustomers(shop: string, form: FormData, now: Date): Promise<TagJobSummary> {
  const fields = Object.fromEntries([...form.entries()].filter(([, value]) => typeof value === "string"));
  const parsed = FORM.safeParse(fields);
  if (!parsed.success) throw invalidParameter(parsed.error, fields);
  const { action, tag, selection, ids, query } = parsed.data;
  let customerIds: bigint[];
  if (selection === "ids") {
    const given = ids.split(",").filter((id) => id.length > 0).map((id) => parseCustomerId(id.trim()));
    if (given.some((id) => id === null)) throw new InvalidSelectionError("A customer id is a positive whole number", { key: "badCustomerId" });
    const known = new Set((await shopCustomers(shop, given as bigint[])).map(String));
    const unknown = (given as bigint[]).filter((id) => !known.has(String(id)));
    if (unknown.length > 0) {
      throw new InvalidSelectionError(`${unknown.length} of the customers chosen are not customers of this store`, {
        key: "notShopCustomers",
        count: unknown.length,
      });
    }
    customerIds = given as bigint[];
  } else {
    const page = await shopPage(shop, {}, now);
    await requireFiguresReady(shop, page);
    const list = customerListQuery(new URLSearchParams(query), page.currency);
    customerIds = [];
    for await (const customer of everyListedCustomer(shop, list, now)) {
      customerIds.push(BigInt(customer.customerId));
      if (customerIds.length > MAX_TAG_CUSTOMERS) throw tooManyCustomers();
    }
  }
  return requestTagging(shop, { action, tag, customerIds });
}
