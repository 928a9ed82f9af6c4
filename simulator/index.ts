/** The local Shopify: public API for tests, the demo and benchmarks (the app never imports it). */
export { adminSchemaFile, loadAdminSchema, validateAdminDocument, ADMIN_VALIDATION_RULES } from "./schema";
export { createRandom, hashString, type Random } from "./random";
export { generateStore, isoSeconds, type GenerateStoreOptions } from "./seed";
export type * from "./types";
export * from "./truth";
export { formatMinor, parseMinor, currencyDigits } from "./money";
export {
  AdminApi,
  type AdminUsage,
  createAdminApi,
  DEFAULT_BUCKET,
  DEFAULT_MAX_QUERY_COST,
  DEFAULT_SCOPES,
  planBucket,
  type AdminApiOptions,
  type AdminRequest,
  type AdminResponse,
  type AdminResponseBody,
  type CostExtension,
  type GraphQLErrorJSON,
} from "./admin-api";
export { LeakyBucket, requestedQueryCost, MAX_PAGE_SIZE, type BucketOptions, type ThrottleStatus } from "./cost";
export { compileSearch, parseSearchQuery, parseSearchDate, type SearchTerm } from "./search-query";
export { encodeCursor, decodeCursor } from "./connection";
export { ORDERS_WITHOUT_READ_ALL_DAYS } from "./views";
export { sessionToken, appBridgeScript } from "./app-bridge";
export {
  verifySessionToken,
  signOAuthQuery,
  TokenRegistry,
  TOKEN_EXCHANGE_GRANT,
  ID_TOKEN_TYPE,
  OFFLINE_TOKEN_TYPE,
  ONLINE_TOKEN_TYPE,
  type IssuedToken,
  type SessionTokenPayload,
} from "./auth";
export { BulkOperations, type BulkOperationRecord, type BulkStatus } from "./bulk";
export {
  Faults,
  FaultOptionsError,
  validateFaultOptions,
  SERVICE_UNAVAILABLE,
  SLOW_DOWNLOAD_CHUNK_BYTES,
  type FaultOptions,
  type FaultCounts,
  type AdminFault,
} from "./faults";
export * from "./webhooks";
export * from "./mutations";
export { startSimulator, DEFAULT_SIMULATOR_SCOPES, type SimulatorHandle, type SimulatorOptions, type DeliverParams } from "./server";
