// Every GraphQL document the app sends to the Admin API. Each has a unique PascalCase
// operation name; app/shopify/queries.test.ts validates all of them against the real
// Admin schema and refuses deprecated fields.
// https://shopify.dev/docs/api/admin-graphql

export const SHOP_INFO = /* GraphQL */ `
  query ShopInfo {
    shop {
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

const MONEY = /* GraphQL */ `shopMoney { amount currencyCode }`;

// Page sizes keep the requested cost well under the 1,000-point limit per query; an order
// with more nested items than fit is completed by ORDER_DETAILS.
export const ORDERS_PAGE_SIZE = 10;
export const LINE_ITEMS_PAGE_SIZE = 50;
export const REFUNDS_PAGE_SIZE = 10;
export const REFUND_LINE_ITEMS_PAGE_SIZE = 20;

const ORDER_FIELDS = /* GraphQL */ `
  fragment OrderFields on Order {
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
  }
`;

export const ORDERS_UPDATED_SINCE = /* GraphQL */ `
  ${ORDER_FIELDS}
  query OrdersUpdatedSince($first: Int!, $after: String, $query: String) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo { hasNextPage endCursor }
      nodes {
        ...OrderFields
        lineItems(first: ${LINE_ITEMS_PAGE_SIZE}) {
          pageInfo { hasNextPage }
          nodes { quantity originalUnitPriceSet { ${MONEY} } }
        }
        refunds(first: ${REFUNDS_PAGE_SIZE}) {
          id
          createdAt
          processedAt
          totalRefundedSet { ${MONEY} }
          refundLineItems(first: ${REFUND_LINE_ITEMS_PAGE_SIZE}) {
            pageInfo { hasNextPage }
            nodes { subtotalSet { ${MONEY} } totalTaxSet { ${MONEY} } }
          }
          refundShippingLines(first: 5) {
            pageInfo { hasNextPage }
            nodes { subtotalAmountSet { ${MONEY} } }
          }
        }
      }
    }
  }
`;

/** One order's nested lists in full, for the rare order that does not fit in a page. */
export const ORDER_DETAILS = /* GraphQL */ `
  query OrderDetails($id: ID!, $lineItemsAfter: String) {
    order(id: $id) {
      id
      lineItems(first: 250, after: $lineItemsAfter) {
        pageInfo { hasNextPage endCursor }
        nodes { quantity originalUnitPriceSet { ${MONEY} } }
      }
      refunds(first: 250) {
        id
        refundLineItems(first: 250) {
          pageInfo { hasNextPage }
          nodes { subtotalSet { ${MONEY} } totalTaxSet { ${MONEY} } }
        }
        refundShippingLines(first: 250) {
          nodes { subtotalAmountSet { ${MONEY} } }
        }
      }
    }
  }
`;

export const CUSTOMERS_UPDATED_SINCE = /* GraphQL */ `
  query CustomersUpdatedSince($first: Int!, $after: String, $query: String) {
    customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo { hasNextPage endCursor }
      nodes { id createdAt updatedAt }
    }
  }
`;

export const ALL_DOCUMENTS = {
  SHOP_INFO,
  ORDERS_COUNT,
  ORDERS_UPDATED_SINCE,
  ORDER_DETAILS,
  CUSTOMERS_UPDATED_SINCE,
};
