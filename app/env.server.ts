// The one place that reads process.env. Everything is validated once, at boot, and every
// missing or malformed variable is named in a single error.
import { z } from "zod";

const url = z.string().url();

// The command line (`npm run metryka`) works on the database alone: it may run where the
// app's Shopify credentials are not set. Anything that calls Shopify still needs them.
const commandLine = process.env.METRYKA_COMMAND_LINE === "1";
const required = (what: string) =>
  commandLine ? z.string().min(1).default(`(not set: ${what})`) : z.string().min(1, `is required (${what})`);

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  SHOPIFY_API_KEY: required("the app's client id"),
  SHOPIFY_API_SECRET: required("the app's client secret"),
  SHOPIFY_APP_URL: commandLine ? url.default("http://localhost") : url.describe("the public URL of this app"),
  SCOPES: z
    .string()
    .min(1)
    .default("read_orders,read_all_orders,read_customers")
    .transform((value) => value.split(",").map((scope) => scope.trim()).filter(Boolean)),
  SHOP_CUSTOM_DOMAIN: z.string().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL (the launcher sets it for the embedded server)"),
  // The local Shopify simulator. When set, every Admin API request goes there instead of
  // https://<shop>/..., see app/shopify/transport.server.ts. Never set in production.
  SHOPIFY_SIMULATOR_URL: url.optional(),
  // Run the job worker inside the web process (single-process installs, the demo). Turn it
  // off when separate `npm run worker` processes do the work.
  METRYKA_INLINE_WORKER: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((value) => value === "true" || value === "1"),
  // Where the page loads App Bridge from; only the local simulator's admin stand-in sets it.
  APP_BRIDGE_URL: url.optional(),
});

export type Env = z.infer<typeof schema>;

export class InvalidEnvironmentError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "InvalidEnvironmentError";
  }
}

/** Parses an environment; throws one error naming every missing or malformed variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".");
    const missing = source[name] === undefined || source[name] === "";
    return missing ? `${name} is missing` : `${name} ${issue.message}`;
  });
  throw new InvalidEnvironmentError(problems);
}

export const env: Env = parseEnv(process.env);
