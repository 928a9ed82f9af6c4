// Tagging customers in Shopify (`tagsAdd` / `tagsRemove`, scope `write_customers`), so that a
// merchant can build a customer segment or a campaign from a Metryka list. The tag rules are
// Shopify's: a tag is trimmed, at most 255 characters, and holds no comma (Shopify reads a comma
// as the end of one tag and the start of the next); tags compare without regard to case.
// https://shopify.dev/docs/api/admin-graphql/latest/mutations/tagsAdd
// https://shopify.dev/docs/api/admin-graphql/latest/mutations/tagsRemove

export const CUSTOMER_TAGS_ADD = /* GraphQL */ `
  mutation CustomerTagsAdd($id: ID!, $tags: [String!]!) {
    tagsAdd(id: $id, tags: $tags) {
      node {
        id
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const CUSTOMER_TAGS_REMOVE = /* GraphQL */ `
  mutation CustomerTagsRemove($id: ID!, $tags: [String!]!) {
    tagsRemove(id: $id, tags: $tags) {
      node {
        id
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export interface TagsPayload {
  node: { id: string } | null;
  userErrors: Array<{ field: string[] | null; message: string }>;
}

/** The scope tagging needs. */
export const TAGGING_SCOPE = "write_customers";

/** Shopify's longest tag. */
export const MAX_TAG_LENGTH = 255;

export type TagProblem = "empty" | "comma" | "tooLong";

/** The most customers one tagging request may hold (one job; narrow a longer list with its filters). */
export const MAX_TAG_CUSTOMERS = 10_000;

/**
 * Why a tagging request was refused, for the page to say in the admin's language: the tag's
 * problem (`customerActions.tag.problems.<problem>`) or `customerActions.tag.refusals.<key>`.
 */
export type TagRefusal =
  | { key: "tag"; problem: TagProblem }
  | { key: Exclude<(typeof TAG_REFUSAL_KEYS)[number], "tooMany" | "notShopCustomers"> }
  | { key: "tooMany"; max: number }
  | { key: "notShopCustomers"; count: number };

/** The refusals other than the tag's own problems, each with its message in every language. */
export const TAG_REFUSAL_KEYS = ["noCustomers", "badCustomerId", "notShopCustomers", "tooMany", "notGranted", "unreadable", "recomputing"] as const;

/** The tag as Shopify stores it (trimmed), or what is wrong with it. */
export function checkTag(raw: string): { tag: string } | { problem: TagProblem } {
  const tag = raw.trim();
  if (tag.length === 0) return { problem: "empty" };
  if (tag.includes(",")) return { problem: "comma" };
  // Counted in characters, as Shopify counts them (not UTF-16 units).
  if ([...tag].length > MAX_TAG_LENGTH) return { problem: "tooLong" };
  return { tag };
}
