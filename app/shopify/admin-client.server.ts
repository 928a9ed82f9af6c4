// The cost-aware Admin GraphQL client: one shop's calls run one at a time, paced by the
// leaky bucket Shopify reports on every response, with THROTTLED and transient failures
// retried with backoff. https://shopify.dev/docs/api/usage/rate-limits
//
// Every attempt has a deadline (ADMIN_API_REQUEST_TIMEOUT_MS), passed to `admin.graphql` as its
// `signal` option (the library hands it to fetch: Shopify/shopify-app-js#1972), so a hung
// request cannot hold a shop's job, and its lock, for ever. The longest one call can take, once
// its turn in the shop's queue has come, is
//   attempts × (wait for the bucket + deadline) + the pauses between attempts
//   = 8 × (10 s + 30 s) + 61.5 s ≈ 6.4 minutes,
// the wait for the bucket being at most a query's cost over the restore rate (1,000 points at
// 100 points/s, Shopify's lowest; `tries` seconds when Shopify reported no bucket). A caller's `signal`
// (a job that lost its shop's lock) ends the call at once, in flight or waiting, and its error
// is not retryable. See docs/decisions/007-timeouts.md.
import { GraphqlQueryError, HttpRequestError, HttpResponseError } from "@shopify/shopify-api";
import { abortAfter, abortError, childController, DeadlineExceeded, raceAbort } from "./abort";

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface GraphqlErrorShape {
  message: string;
  extensions?: { code?: string };
}

interface GraphqlBody<T> {
  data?: T;
  errors?: GraphqlErrorShape[];
  extensions?: { cost?: { requestedQueryCost?: number; throttleStatus?: ThrottleStatus } };
}

/** The `admin.graphql` function of @shopify/shopify-app-remix. */
export type AdminGraphql = (query: string, options?: { variables?: Record<string, unknown>; signal?: AbortSignal }) => Promise<Response>;

/** A failed Admin API call, saying whether trying again later can help. */
export class ShopifyApiError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code?: string,
  ) {
    super(message);
    this.name = "ShopifyApiError";
  }
}

/**
 * How long one attempt may take, from sending the request to the end of its answer, before it
 * is abandoned as a retryable TIMEOUT. Shopify answers a query of at most 1,000 points (every
 * page Metryka asks for) in well under a second, a slow one in a few: past 30 s the connection
 * or the server is lost, and a new attempt does better than waiting on.
 */
export const ADMIN_API_REQUEST_TIMEOUT_MS = 30_000;

/** Attempts per call, THROTTLED answers included. */
export const ADMIN_API_MAX_ATTEMPTS = 8;

/** The pause after failed attempt `tries`: 0.5 s doubling up to 30 s, 61.5 s in all between 8 attempts. */
export const retryDelayMs = (tries: number) => Math.min(30_000, 250 * 2 ** tries);

export interface AdminClientOptions {
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
  /** Deadline of each attempt (default ADMIN_API_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Aborts every call of the client, in flight or waiting, with a non-retryable ABORTED error. */
  signal?: AbortSignal;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// One queue per shop in this process: a shop's bucket is shared by all of its calls.
const shopQueues = new Map<string, Promise<unknown>>();

function serialize<T>(shop: string, work: () => Promise<T>): Promise<T> {
  const previous = shopQueues.get(shop) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  shopQueues.set(shop, next);
  const release = () => {
    if (shopQueues.get(shop) === next) shopQueues.delete(shop);
  };
  next.then(release, release);
  return next;
}

function bodyOfError(error: unknown): GraphqlBody<unknown> | undefined {
  if (error instanceof GraphqlQueryError) {
    const body = error.body as { errors?: { graphQLErrors?: GraphqlErrorShape[] }; extensions?: GraphqlBody<unknown>["extensions"] } | undefined;
    return { errors: body?.errors?.graphQLErrors, extensions: body?.extensions };
  }
  return undefined;
}

export function createAdminClient(shop: string, graphql: AdminGraphql, options: AdminClientOptions = {}) {
  const maxAttempts = options.maxAttempts ?? ADMIN_API_MAX_ATTEMPTS;
  const timeoutMs = options.timeoutMs ?? ADMIN_API_REQUEST_TIMEOUT_MS;
  const { signal } = options;
  const baseSleep = options.sleep ?? defaultSleep;
  // Waits end when the caller aborts (the rejection is turned into ABORTED by `request`).
  const sleep = (ms: number) => (signal ? raceAbort(baseSleep(ms), signal) : baseSleep(ms));
  const aborted = () =>
    abortError(signal, () => new ShopifyApiError(`Admin API call for ${shop} aborted: ${String(signal?.reason)}`, false, "ABORTED"));
  let lastStatus: ThrottleStatus | undefined;
  let lastCost = 0;

  async function waitForBudget() {
    if (!lastStatus || lastStatus.currentlyAvailable >= lastCost) return;
    const missing = lastCost - lastStatus.currentlyAvailable;
    await sleep(Math.ceil((missing / Math.max(lastStatus.restoreRate, 1)) * 1000));
  }

  async function attempt<T>(query: string, variables?: Record<string, unknown>): Promise<GraphqlBody<T>> {
    const { controller, release } = childController(signal);
    const cancelDeadline = abortAfter(controller, timeoutMs);
    try {
      const answer = graphql(query, { variables, signal: controller.signal }).then((response) => response.json() as Promise<GraphqlBody<T>>);
      // Raced as well: the deadline holds even where the signal is not heeded.
      return await raceAbort(answer, controller.signal);
    } catch (error) {
      if (signal?.aborted) throw aborted();
      if (controller.signal.reason instanceof DeadlineExceeded) {
        throw new ShopifyApiError(`Admin API did not answer within ${timeoutMs} ms`, true, "TIMEOUT");
      }
      const body = bodyOfError(error);
      if (body) return body as GraphqlBody<T>;
      if (error instanceof HttpResponseError) {
        const retryable = error.response.code === 429 || error.response.code >= 500;
        throw new ShopifyApiError(`Admin API answered ${error.response.code}`, retryable, String(error.response.code));
      }
      if (error instanceof HttpRequestError || error instanceof TypeError) {
        throw new ShopifyApiError(`Admin API unreachable: ${error.message}`, true, "NETWORK");
      }
      throw error;
    } finally {
      cancelDeadline();
      release();
    }
  }

  async function request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    if (signal?.aborted) throw aborted();
    const call = serialize(shop, () => attempts<T>(query, variables));
    try {
      // Not left waiting for its turn in the shop's queue once aborted.
      return await (signal ? raceAbort(call, signal) : call);
    } catch (error) {
      if (signal?.aborted) throw aborted();
      throw error;
    }
  }

  async function attempts<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    for (let tries = 1; ; tries++) {
      if (signal?.aborted) throw aborted();
      await waitForBudget();
      let body: GraphqlBody<T>;
      try {
        body = await attempt<T>(query, variables);
      } catch (error) {
        if (error instanceof ShopifyApiError && error.retryable && tries < maxAttempts) {
          await sleep(retryDelayMs(tries));
          continue;
        }
        throw error;
      }
      const cost = body.extensions?.cost;
      if (cost?.throttleStatus) lastStatus = cost.throttleStatus;
      if (cost?.requestedQueryCost) lastCost = cost.requestedQueryCost;
      const errors = body.errors ?? [];
      if (errors.some((e) => e.extensions?.code === "THROTTLED")) {
        if (tries >= maxAttempts) throw new ShopifyApiError("Throttled by Shopify", true, "THROTTLED");
        // The next loop waits until the bucket holds this query's cost again.
        if (!lastStatus) await sleep(1000 * tries);
        continue;
      }
      if (errors.length > 0) {
        const code = errors[0].extensions?.code;
        const retryable = code === "INTERNAL_SERVER_ERROR";
        throw new ShopifyApiError(errors.map((e) => e.message).join("; "), retryable, code);
      }
      if (!body.data) throw new ShopifyApiError("Admin API returned no data", true);
      return body.data;
    }
  }

  return { request, throttleStatus: () => lastStatus };
}

export type AdminClient = ReturnType<typeof createAdminClient>;

/** A connection as the Admin API returns it, nodes and paging. */
export interface Connection<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}

/**
 * Every page of the connection `key` at the top of `document`, in order, one request each: the
 * document takes `$after` besides `variables`.
 */
export async function* connectionPages<T>(
  client: AdminClient,
  document: string,
  key: string,
  variables: Record<string, unknown> = {},
): AsyncGenerator<T[]> {
  let after: string | null = null;
  do {
    const page: Record<string, Connection<T>> = await client.request(document, { ...variables, after });
    yield page[key].nodes;
    after = page[key].pageInfo.hasNextPage ? page[key].pageInfo.endCursor : null;
  } while (after);
}
