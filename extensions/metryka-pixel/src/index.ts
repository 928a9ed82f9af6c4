// The web pixel's entry: Shopify's sandbox calls the registered function with its API.
import { register } from "@shopify/web-pixels-extension";
import { startPixel } from "./pixel";

register((api) => {
  startPixel(api);
});
