// The one place that reads process.env. Everything is validated once, at boot, and every
// missing or malformed variable is named in a single error.
import { z } from "zod";

const url = z.string().url();

/** The credentials the command line may run without, and what stands in for them there. */
const COMMAND_LINE_PLACEHOLDERS = {
  SHOPIFY_API_KEY: "(not set: the app's client id)",
  SHOPIFY_API_SECRET: "(not set: the app's client secret)",
  SHOPIFY_APP_URL: "http://localhost",
} as const;
type Credential = keyof typeof COMMAND_LINE_PLACEHOLDERS;

// The command line (`npm run metryka`) works on the database alone: it may run where the app's
// Shopify credentials are not set, with placeholders instead. Anything that talks to Shopify
// still needs the real ones (`checkShopifyCredentials`).
function schemaFor(commandLine: boolean) {
  const credential = (name: Credential, what: string, type: z.ZodString = z.string().min(1, `is required (${what})`)) =>
    commandLine ? type.default(COMMAND_LINE_PLACEHOLDERS[name]) : type;
  return z.object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    SHOPIFY_API_KEY: credential("SHOPIFY_API_KEY", "the app's client id"),
    SHOPIFY_API_SECRET: credential("SHOPIFY_API_SECRET", "the app's client secret"),
    SHOPIFY_APP_URL: credential("SHOPIFY_APP_URL", "the public URL of this app", url),
    SCOPES: z
      .string()
      .min(1)
      .default("read_orders,read_all_orders,read_customers,write_customers,read_reports,write_pixels,read_customer_events")
      .transform((value) => value.split(",").map((scope) => scope.trim()).filter(Boolean)),
    SHOP_CUSTOM_DOMAIN: z.string().optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL (the launcher sets it for the embedded server)"),
    // The local Shopify simulator. When set, every Admin API request goes there instead of
    // https://<shop>/..., see app/shopify/transport.server.ts. Refused in production.
    SHOPIFY_SIMULATOR_URL: url.optional(),
    // Run the job worker inside the web process (single-process installs, the demo). Turn it
    // off when separate `npm run worker` processes do the work.
    METRYKA_INLINE_WORKER: z
      .enum(["true", "false", "1", "0"])
      .default("true")
      .transform((value) => value === "true" || value === "1"),
    // Days the web pixel's raw events are kept (their sessions stay in the rollup for good):
    // app/collector/retention.server.ts.
    METRYKA_PIXEL_EVENT_RETENTION_DAYS: z.coerce.number().int().min(2).max(3650).default(30),
    // How long a page waits for the store's figures to be recomputed (after its time zone or
    // currency changed) before it says so and looks again every few seconds:
    // app/dashboard/page-query.server.ts.
    METRYKA_PAGE_REBUILD_WAIT_MS: z.coerce.number().int().min(0).max(120_000).default(4_000),
    // Where the page loads App Bridge from; only the local simulator's admin stand-in sets it.
    // Refused in production.
    APP_BRIDGE_URL: url.optional(),
  });
}

export type Env = z.infer<ReturnType<typeof schemaFor>> & {
  /** Credentials the command line filled with placeholders because they were not set. */
  placeholders: Credential[];
};

export class InvalidEnvironmentError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "InvalidEnvironmentError";
  }
}

/** Settings for the local simulator that would send a deployment's traffic to the wrong place. */
const DEVELOPMENT_ONLY = {
  SHOPIFY_SIMULATOR_URL: "would send every Admin API request to the local Shopify simulator",
  APP_BRIDGE_URL: "would load the simulator's stand-in instead of Shopify's App Bridge",
} as const;

/** Parses an environment; throws one error naming every missing, malformed or unsafe variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const commandLine = source.METRYKA_COMMAND_LINE === "1";
  const result = schemaFor(commandLine).safeParse(source);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = issue.path.join(".");
        const missing = source[name] === undefined || source[name] === "";
        return missing ? `${name} is missing` : `${name} ${issue.message}`;
      });
  if (source.NODE_ENV === "production") {
    for (const [name, risk] of Object.entries(DEVELOPMENT_ONLY)) {
      if (source[name]) problems.push(`${name} must not be set with NODE_ENV=production: it ${risk}`);
    }
  }
  if (!result.success || problems.length > 0) throw new InvalidEnvironmentError(problems);
  const placeholders = commandLine
    ? (Object.keys(COMMAND_LINE_PLACEHOLDERS) as Credential[]).filter((name) => !source[name])
    : [];
  return { ...result.data, placeholders };
}

/**
 * For modules that talk to Shopify (the Shopify app, webhook verification), at load: in
 * production the command line's placeholders must not stand in for the app's credentials (a
 * placeholder secret would let anyone sign a webhook). Throws one error naming each of them.
 */
export function checkShopifyCredentials(current: Env): void {
  if (current.NODE_ENV !== "production" || current.placeholders.length === 0) return;
  throw new InvalidEnvironmentError(
    current.placeholders.map(
      (name) => `${name} is missing: METRYKA_COMMAND_LINE=1 fills it with a placeholder, which is refused for talking to Shopify with NODE_ENV=production`,
    ),
  );
}

export const env: Env = parseEnv(process.env);
