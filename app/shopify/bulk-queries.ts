// Bulk operation documents: the inner queries Shopify runs in the background, the mutations that
// start and cancel them, and the status query. Validated with every other document by
// app/shopify/queries.test.ts.
// https://shopify.dev/docs/api/usage/bulk-operations/queries
//
// Shopify's rules for an inner query: at most five connections, nested at most two deep, a
// nested connection's parent selects `id`, and no connection inside a list field ("Queries that
// contain a connection field within a list field are not currently supported"). `Order.refunds`
// is a list, so a refund's line items and shipping lines (connections) cannot be read here:
// refunds come inline in their order's line with their own fields only, and their details are
// read afterwards with REFUND_DETAILS (app/sync/bulk-ingest.server.ts).

import { MONEY, ORDER_FIELD_SELECTION, REFUND_HEADER } from "./queries";

/**
 * Every order with its line items (separate JSONL lines, `__parentId` = the order) and its
 * refunds (inline). Two connections, one level of nesting.
 */
export const BULK_ORDERS_QUERY = /* GraphQL */ `
  query BulkOrders {
    orders {
      edges {
        node {
          ${ORDER_FIELD_SELECTION}
          refunds { ${REFUND_HEADER} }
          lineItems {
            edges {
              node {
                id
                quantity
                originalUnitPriceSet { ${MONEY} }
              }
            }
          }
        }
      }
    }
  }
`;

/** Every customer (Level 1 fields only). */
export const BULK_CUSTOMERS_QUERY = /* GraphQL */ `
  query BulkCustomers {
    customers {
      edges {
        node {
          id
          createdAt
          updatedAt
        }
      }
    }
  }
`;

// groupObjects: false — grouping children under their parent is slower and more likely to time
// out; the ingest does not need it (children are stored by their own id).
export const BULK_OPERATION_RUN_QUERY = /* GraphQL */ `
  mutation BulkOperationRunQuery($query: String!) {
    bulkOperationRunQuery(query: $query, groupObjects: false) {
      bulkOperation { id status }
      userErrors { field message code }
    }
  }
`;

// `bulkOperation(id:)`, not the deprecated `currentBulkOperation`: several bulk queries may run
// at once per shop (2026-01), so "the current one" is ambiguous.
export const BULK_OPERATION_STATUS = /* GraphQL */ `
  query BulkOperationStatus($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      objectCount
      rootObjectCount
      fileSize
      url
      partialDataUrl
      createdAt
      completedAt
    }
  }
`;

export const BULK_OPERATION_CANCEL = /* GraphQL */ `
  mutation BulkOperationCancel($id: ID!) {
    bulkOperationCancel(id: $id) {
      bulkOperation { id status }
      userErrors { field message }
    }
  }
`;

// Refunds' details, several refunds per request: aliased `refund(id:)` fields rather than
// `nodes(ids:)`, so that the requested cost is known from the document alone. A request for
// fewer refunds repeats the last id. Ten refunds with ten line items and five shipping lines
// each stay under the 1,000-point limit; a refund with more is completed with REFUND_LINE_ITEMS
// (queries.ts).
export const REFUNDS_PER_DETAILS_REQUEST = 10;

const REFUND_DETAIL_FIELDS = /* GraphQL */ `
  fragment RefundDetailFields on Refund {
    id
    refundLineItems(first: 10) {
      pageInfo { hasNextPage endCursor }
      nodes { id quantity subtotalSet { ${MONEY} } totalTaxSet { ${MONEY} } }
    }
    refundShippingLines(first: 5) {
      pageInfo { hasNextPage }
      nodes { subtotalAmountSet { ${MONEY} } taxAmountSet { ${MONEY} } }
    }
  }
`;

const slots = Array.from({ length: REFUNDS_PER_DETAILS_REQUEST }, (_, i) => `r${i}`);

/** Variables: `r0` … `r9`, refund GIDs; answer: the same keys, each a refund or null. */
export const REFUND_DETAILS = /* GraphQL */ `
  query RefundDetails(${slots.map((slot) => `$${slot}: ID!`).join(", ")}) {
    ${slots.map((slot) => `${slot}: refund(id: $${slot}) { ...RefundDetailFields }`).join("\n    ")}
  }
  ${REFUND_DETAIL_FIELDS}
`;

export function refundDetailsVariables(ids: string[]): Record<string, string> {
  if (ids.length === 0 || ids.length > REFUNDS_PER_DETAILS_REQUEST) {
    throw new RangeError(`RefundDetails takes 1 to ${REFUNDS_PER_DETAILS_REQUEST} refunds, not ${ids.length}`);
  }
  return Object.fromEntries(slots.map((slot, i) => [slot, ids[Math.min(i, ids.length - 1)]]));
}
