import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// With a config file Prisma no longer reads .env by itself.
try {
  process.loadEnvFile();
} catch {
  // no .env: the environment is used as it is
}

// The JS schema engine (WASM) runs migrations through the pg driver adapter, so no
// native engine binary is downloaded. See scripts/prisma.mjs for how the CLI is started.
export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    new PrismaPg({ connectionString: process.env.DATABASE_URL, allowExitOnIdle: true }),
});
