// Every GraphQL document the app sends to the Admin API. Each has a unique PascalCase
// operation name; app/shopify/queries.test.ts validates all of them against the real
// Admin schema and refuses deprecated fields.
// https://shopify.dev/docs/api/admin-graphql

export const SHOP_INFO = /* GraphQL */ `
  query ShopInfo {
    shop {
      id
      name
      myshopifyDomain
      ianaTimezone
      currencyCode
    }
  }
`;

export const ORDERS_COUNT = /* GraphQL */ `
  query OrdersCount($query: String) {
    ordersCount(query: $query, limit: null) {
      count
      precision
    }
  }
`;

export const CUSTOMERS_COUNT = /* GraphQL */ `
  query CustomersCount($query: String) {
    customersCount(query: $query, limit: null) {
      count
      precision
    }
  }
`;

export const MONEY = /* GraphQL */ `shopMoney { amount currencyCode }`;

// Page sizes keep a page's requested cost under Shopify's 1,000-point limit per query (each
// money bag is two objects; a connection costs 2 + first × its node). Most orders fit; one
// with more nested items than a page holds is completed by the smaller queries below.
// https://shopify.dev/docs/api/usage/rate-limits#graphql-admin-api-rate-limits
export const ORDERS_PAGE_SIZE = 5;
export const LINE_ITEMS_PAGE_SIZE = 10;
export const REFUNDS_PAGE_SIZE = 3;
export const REFUND_LINE_ITEMS_PAGE_SIZE = 5;
export const REFUND_SHIPPING_LINES_PAGE_SIZE = 2;

/** The fields of an order every read selects: the paged sync (OrderFields) and the bulk query. */
export const ORDER_FIELD_SELECTION = /* GraphQL */ `
    id
    name
    createdAt
    updatedAt
    processedAt
    cancelledAt
    test
    currencyCode
    taxesIncluded
    sourceName
    customer { id }
    totalDiscountsSet { ${MONEY} }
    totalShippingPriceSet { ${MONEY} }
    totalTaxSet { ${MONEY} }
    totalPriceSet { ${MONEY} }
    totalRefundedSet { ${MONEY} }
`;

const ORDER_FIELDS = /* GraphQL */ `
  fragment OrderFields on Order {
    ${ORDER_FIELD_SELECTION}
  }
`;
export const ORDERS_UPDATED_SINCE = /* GraphQL */ `
  ${ORDER_FIELDS}
  query OrdersUpdatedSince($after: String, $query: String) {
    orders(first: ${ORDERS_PAGE_SIZE}, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo { hasNextPage endCursor }
      nodes {
        ...OrderFields
        lineItems(first: ${LINE_ITEMS_PAGE_SIZE}) {
          pageInfo { hasNextPage }
          nodes { id quantity originalUnitPriceSet { ${MONEY} } }
        }
        refunds(first: ${REFUNDS_PAGE_SIZE}) {
          id
          createdAt
          processedAt
          totalRefundedSet { ${MONEY} }
          refundLineItems(first: ${REFUND_LINE_ITEMS_PAGE_SIZE}) {
            pageInfo { hasNextPage }
            nodes { id quantity subtotalSet { ${MONEY} } totalTaxSet { ${MONEY} } }
          }
          refundShippingLines(first: ${REFUND_SHIPPING_LINES_PAGE_SIZE}) {
            pageInfo { hasNextPage }
            nodes { subtotalAmountSet { ${MONEY} } taxAmountSet { ${MONEY} } }
          }
        }
      }
    }
  }
`;

/** A refund's own fields (its line items and shipping are connections, read apart). */
export const REFUND_HEADER = /* GraphQL */ `id createdAt processedAt totalRefundedSet { ${MONEY} }`;

/** The rest of an order's line items, a page at a time. */
export const ORDER_LINE_ITEMS = /* GraphQL */ `
  query OrderLineItems($id: ID!, $after: String) {
    order(id: $id) {
      lineItems(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id quantity originalUnitPriceSet { ${MONEY} } }
      }
    }
  }
`;

/** Every refund of an order (there is no paging on Order.refunds: ask for more than exist). */
export const ORDER_REFUNDS = /* GraphQL */ `
  query OrderRefunds($id: ID!) {
    order(id: $id) {
      refunds(first: 100) { ${REFUND_HEADER} }
    }
  }
`;

/** One refund's line items and shipping lines, a page at a time. */
export const REFUND_LINE_ITEMS = /* GraphQL */ `
  query RefundLineItems($id: ID!, $after: String) {
    refund(id: $id) {
      refundLineItems(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id quantity subtotalSet { ${MONEY} } totalTaxSet { ${MONEY} } }
      }
      refundShippingLines(first: 20) {
        nodes { subtotalAmountSet { ${MONEY} } taxAmountSet { ${MONEY} } }
      }
    }
  }
`;

export const CUSTOMERS_UPDATED_SINCE = /* GraphQL */ `
  query CustomersUpdatedSince($after: String, $query: String) {
    customers(first: 250, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo { hasNextPage endCursor }
      nodes { id createdAt updatedAt }
    }
  }
`;


// Ids only, for finding what the copy and Shopify disagree on without a webhook having said so
// (app/sync/sweep.server.ts): a range of ids is listed once its counts disagree.
export const ID_PAGE_SIZE = 250;

export const ORDER_IDS = /* GraphQL */ `
  query OrderIds($after: String, $query: String) {
    orders(first: ${ID_PAGE_SIZE}, after: $after, query: $query, sortKey: ID) {
      pageInfo { hasNextPage endCursor }
      nodes { id }
    }
  }
`;

export const CUSTOMER_IDS = /* GraphQL */ `
  query CustomerIds($after: String, $query: String) {
    customers(first: ${ID_PAGE_SIZE}, after: $after, query: $query, sortKey: ID) {
      pageInfo { hasNextPage endCursor }
      nodes { id }
    }
  }
`;
