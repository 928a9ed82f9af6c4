// GIVEN an environment, WHEN it is parsed at boot, THEN a deployment (NODE_ENV=production)
// refuses the simulator's settings, and the command line's placeholder credentials are refused
// for anything that talks to Shopify there, each named in one error.
import { describe, expect, it } from "vitest";
import { checkShopifyCredentials, InvalidEnvironmentError, parseEnv } from "./env.server";

const APP = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://metryka.example",
  DATABASE_URL: "postgresql://metryka@db.example/metryka",
};
const SIMULATOR = { SHOPIFY_SIMULATOR_URL: "http://127.0.0.1:4100", APP_BRIDGE_URL: "http://127.0.0.1:4100/_sim/app-bridge.js" };

function problemsOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseEnv", () => {
  it("accepts the simulator's settings outside production", () => {
    for (const NODE_ENV of ["development", "test", undefined]) {
      expect(parseEnv({ ...APP, ...SIMULATOR, NODE_ENV }).SHOPIFY_SIMULATOR_URL).toBe(SIMULATOR.SHOPIFY_SIMULATOR_URL);
    }
  });

  it("refuses SHOPIFY_SIMULATOR_URL and APP_BRIDGE_URL in production, both in one error", () => {
    const problems = problemsOf(() => parseEnv({ ...APP, ...SIMULATOR, NODE_ENV: "production" }));
    expect(problems).toEqual([
      expect.stringMatching(/^SHOPIFY_SIMULATOR_URL must not be set with NODE_ENV=production: it would send every Admin API request to the local Shopify simulator/),
      expect.stringMatching(/^APP_BRIDGE_URL must not be set with NODE_ENV=production/),
    ]);
    expect(problemsOf(() => parseEnv({ ...APP, SHOPIFY_SIMULATOR_URL: SIMULATOR.SHOPIFY_SIMULATOR_URL, NODE_ENV: "production" }))).toHaveLength(1);
    expect(parseEnv({ ...APP, NODE_ENV: "production" }).NODE_ENV).toBe("production");
  });

  it("names those beside every missing or malformed variable", () => {
    const problems = problemsOf(() =>
      parseEnv({ ...SIMULATOR, NODE_ENV: "production", SHOPIFY_APP_URL: "not a url", DATABASE_URL: APP.DATABASE_URL }),
    );
    expect(problems).toEqual([
      "SHOPIFY_API_KEY is missing",
      "SHOPIFY_API_SECRET is missing",
      "SHOPIFY_APP_URL Invalid url",
      expect.stringMatching(/^SHOPIFY_SIMULATOR_URL must not be set/),
      expect.stringMatching(/^APP_BRIDGE_URL must not be set/),
    ]);
  });
});

describe("the command line's placeholder credentials", () => {
  const commandLine = { METRYKA_COMMAND_LINE: "1", DATABASE_URL: APP.DATABASE_URL };

  it("let the command line work on the database alone, in production too", () => {
    const env = parseEnv({ ...commandLine, NODE_ENV: "production" });
    expect(env.placeholders).toEqual(["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL"]);
  });

  it("are refused for talking to Shopify in production, each named", () => {
    const problems = problemsOf(() => checkShopifyCredentials(parseEnv({ ...commandLine, NODE_ENV: "production" })));
    expect(problems).toEqual([
      expect.stringMatching(/^SHOPIFY_API_KEY is missing: METRYKA_COMMAND_LINE=1 fills it with a placeholder, which is refused/),
      expect.stringMatching(/^SHOPIFY_API_SECRET is missing/),
      expect.stringMatching(/^SHOPIFY_APP_URL is missing/),
    ]);
    expect(
      problemsOf(() => checkShopifyCredentials(parseEnv({ ...commandLine, NODE_ENV: "production", SHOPIFY_API_KEY: "key", SHOPIFY_APP_URL: APP.SHOPIFY_APP_URL }))),
    ).toEqual([expect.stringMatching(/^SHOPIFY_API_SECRET is missing/)]);
  });

  it("are not in effect when the credentials are set, nor refused outside production", () => {
    expect(() => checkShopifyCredentials(parseEnv({ ...commandLine, ...APP, NODE_ENV: "production" }))).not.toThrow();
    expect(() => checkShopifyCredentials(parseEnv({ ...commandLine, NODE_ENV: "development" }))).not.toThrow();
    expect(() => checkShopifyCredentials(parseEnv({ ...APP, NODE_ENV: "production" }))).not.toThrow();
  });
});
