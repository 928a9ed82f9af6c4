/**
 * The app's web pixel on a store: `webPixelCreate`, `webPixelUpdate` and `webPixel`, as Shopify
 * answers them for Metryka's pixel extension (extensions/metryka-pixel). Mutations need
 * `write_pixels` (and reading, `read_pixels` or `write_pixels`); settings must be a JSON object
 * (or its JSON string) with the extension's two fields as non-empty strings, else INVALID_SETTINGS;
 * a second create is TAKEN; an update of another id is NOT_FOUND.
 */
import { GraphQLError } from "graphql";
import type { SimStore } from "./types";

/** The settings fields of the pixel extension's shopify.extension.toml. */
export const PIXEL_SETTINGS_FIELDS = ["collectorUrl", "key"] as const;

const PIXEL_ID = 7001;
const gid = `gid://shopify/WebPixel/${PIXEL_ID}`;

function denied(field: string, scope: string): GraphQLError {
  return new GraphQLError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
    extensions: { code: "ACCESS_DENIED", documentation: "https://shopify.dev/api/usage/access-scopes", requiredAccess: `\`${scope}\` access scope.` },
  });
}

function parseSettings(raw: unknown): Record<string, string> | null {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([key]) => !(PIXEL_SETTINGS_FIELDS as readonly string[]).includes(key))) return null;
  const settings: Record<string, string> = {};
  for (const field of PIXEL_SETTINGS_FIELDS) {
    const v = (value as Record<string, unknown>)[field];
    if (typeof v !== "string" || v.length === 0) return null;
    settings[field] = v;
  }
  return settings;
}

const view = (store: SimStore) => (store.webPixel ? { __typename: "WebPixel", id: gid, settings: JSON.stringify(store.webPixel.settings) } : null);
const userError = (code: string, message: string, field = ["webPixel", "settings"]) => ({ __typename: "ErrorsWebPixelUserError", code, field, message });

export function webPixelFields(store: SimStore, scopes: ReadonlySet<string>) {
  const write = (field: string) => {
    if (!scopes.has("write_pixels")) throw denied(field, "write_pixels");
  };
  return {
    webPixel: () => {
      if (!scopes.has("read_pixels") && !scopes.has("write_pixels")) throw denied("webPixel", "read_pixels");
      if (!store.webPixel) throw new GraphQLError("No web pixel was found for this app.", { extensions: { code: "NOT_FOUND" } });
      return view(store);
    },
    webPixelCreate: (args: Record<string, unknown>) => {
      write("webPixelCreate");
      const input = (args.webPixel ?? {}) as { settings?: unknown };
      const settings = parseSettings(input.settings);
      if (!settings) return { userErrors: [userError("INVALID_SETTINGS", "The provided settings does not match the expected settings definition on the app.")], webPixel: null };
      if (store.webPixel) return { userErrors: [userError("TAKEN", "Web pixel is taken.", ["webPixel"])], webPixel: null };
      store.webPixel = { settings };
      return { userErrors: [], webPixel: view(store) };
    },
    webPixelUpdate: (args: Record<string, unknown>) => {
      write("webPixelUpdate");
      if (args.id !== gid || !store.webPixel) return { userErrors: [userError("NOT_FOUND", "Web pixel not found.", ["id"])], webPixel: null };
      const settings = parseSettings(((args.webPixel ?? {}) as { settings?: unknown }).settings);
      if (!settings) return { userErrors: [userError("INVALID_SETTINGS", "The provided settings does not match the expected settings definition on the app.")], webPixel: null };
      store.webPixel = { settings };
      return { userErrors: [], webPixel: view(store) };
    },
  };
}
