// The cost-aware Admin GraphQL client: one shop's calls run one at a time, paced by the
// leaky bucket Shopify reports on every response, with THROTTLED and transient failures
// retried with backoff. https://shopify.dev/docs/api/usage/rate-limits
import { GraphqlQueryError, HttpRequestError, HttpResponseError } from "@shopify/shopify-api";

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
export type AdminGraphql = (query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>;

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

export interface AdminClientOptions {
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
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
  const sleep = options.sleep ?? defaultSleep;
  const maxAttempts = options.maxAttempts ?? 8;
  let lastStatus: ThrottleStatus | undefined;
  let lastCost = 0;

  async function waitForBudget() {
    if (!lastStatus || lastStatus.currentlyAvailable >= lastCost) return;
    const missing = lastCost - lastStatus.currentlyAvailable;
    await sleep(Math.ceil((missing / Math.max(lastStatus.restoreRate, 1)) * 1000));
  }

  async function attempt<T>(query: string, variables?: Record<string, unknown>): Promise<GraphqlBody<T>> {
    try {
      const response = await graphql(query, { variables });
      return (await response.json()) as GraphqlBody<T>;
    } catch (error) {
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
    }
  }

  async function request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    return serialize(shop, async () => {
      for (let tries = 1; ; tries++) {
        await waitForBudget();
        let body: GraphqlBody<T>;
        try {
          body = await attempt<T>(query, variables);
        } catch (error) {
          if (error instanceof ShopifyApiError && error.retryable && tries < maxAttempts) {
            await sleep(Math.min(30_000, 250 * 2 ** tries));
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
    });
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
