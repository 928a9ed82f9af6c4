// The Admin API version the app is written against: the Shopify library is configured with it,
// and the simulator and the document tests load Shopify's schema of the same version.
import { ApiVersion } from "@shopify/shopify-api";

export const ADMIN_API_VERSION: ApiVersion = ApiVersion.October26;
