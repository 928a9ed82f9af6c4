/**
 * Faults on demand: the ways Shopify misbehaves, so tests can check that a sync engine survives
 * them. A `Faults` object belongs to one simulator (`SimulatorHandle.faults`); tests set it in
 * process or over HTTP (`PUT/DELETE/GET /_sim/faults`, see server.ts).
 *
 * - THROTTLED answers and HTTP 503 apply to Admin GraphQL requests only, never to OAuth, the
 *   `_sim` control API or bulk file downloads. Which requests fail is drawn from a seeded generator
 *   (`createRandom(seed)`): two draws per Admin GraphQL request, first "503?", then, if spared,
 *   "THROTTLED?". The same seed and the same sequence of requests give the same answers.
 *   The fault is decided before the query runs, so a faulted mutation changes nothing.
 * - `slowMs` delays every Admin GraphQL answer (faulted or not).
 * - `failBulkOperations` makes the next N bulk operations started end FAILED
 *   (INTERNAL_SERVER_ERROR) with a `partialDataUrl` holding the first half of their lines.
 * - `slowDownloadMs` sends bulk result files (`url` and `partialDataUrl`) in ~16 KiB chunks with a
 *   pause before each chunk (headers come at once, so even a small file's body comes late); the
 *   bytes are unchanged.
 *
 * `set()` replaces the options and restarts the draws and the counts; `clear()` removes every
 * fault but keeps the counts, so they can still be read after the faults are turned off.
 */
import { createRandom, type Random } from "./random";

export interface FaultOptions {
  /** Seed of the draws deciding which requests fail (default 1). */
  seed?: number;
  /** Share (0..1) of Admin GraphQL requests answered THROTTLED without running them. */
  throttleRate?: number;
  /** Share (0..1) of Admin GraphQL requests answered with HTTP 503 (a transient server error). */
  serverErrorRate?: number;
  /** Milliseconds added before every Admin GraphQL answer. */
  slowMs?: number;
  /** The next N bulk operations started end FAILED (errorCode INTERNAL_SERVER_ERROR) with a partialDataUrl serving the first half of their lines. */
  failBulkOperations?: number;
  /** Bulk result files are sent in chunks of about 16 KiB with this many ms between chunks. */
  slowDownloadMs?: number;
}

export interface FaultCounts {
  /** Admin GraphQL requests answered THROTTLED by a fault (not by the real leaky bucket). */
  throttled: number;
  /** Admin GraphQL requests answered 503. */
  serverErrors: number;
  /** Admin GraphQL answers delayed by `slowMs`. */
  slowed: number;
  /** Bulk operations made to fail (counted when they start). */
  failedBulkOperations: number;
  /** Bulk result downloads sent slowly. */
  slowDownloads: number;
}

/** What happens to one Admin GraphQL request. */
export type AdminFault = "serverError" | "throttle" | null;

/** Size of the chunks of a slow bulk download. */
export const SLOW_DOWNLOAD_CHUNK_BYTES = 16 * 1024;

/** The body and status Shopify answers for a transient server error. */
export const SERVICE_UNAVAILABLE = { status: 503, body: { errors: "Service Unavailable" } } as const;

const MAX_MS = 2_147_483_647; // setTimeout's limit
const KEYS = ["seed", "throttleRate", "serverErrorRate", "slowMs", "failBulkOperations", "slowDownloadMs"] as const;

/** Invalid fault options (the control API answers 400 with its message). */
export class FaultOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultOptionsError";
  }
}

/**
 * Checks untrusted input (a JSON body, a CLI flag) and returns it as FaultOptions; throws a
 * FaultOptionsError naming every problem. `null` values count as absent.
 */
export function validateFaultOptions(input: unknown): FaultOptions {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new FaultOptionsError("Fault options must be a JSON object");
  }
  const problems: string[] = [];
  const out: FaultOptions = {};
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(KEYS as readonly string[]).includes(key)) problems.push(`unknown option "${key}" (known: ${KEYS.join(", ")})`);
  }
  const number = (key: (typeof KEYS)[number]): number | undefined => {
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      problems.push(`${key} must be a finite number, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  };
  const seed = number("seed");
  if (seed !== undefined) {
    if (!Number.isInteger(seed)) problems.push(`seed must be an integer, got ${seed}`);
    else out.seed = seed;
  }
  for (const key of ["throttleRate", "serverErrorRate"] as const) {
    const value = number(key);
    if (value === undefined) continue;
    if (value < 0 || value > 1) problems.push(`${key} must be between 0 and 1, got ${value}`);
    else out[key] = value;
  }
  for (const key of ["slowMs", "slowDownloadMs"] as const) {
    const value = number(key);
    if (value === undefined) continue;
    if (value < 0 || value > MAX_MS) problems.push(`${key} must be between 0 and ${MAX_MS} milliseconds, got ${value}`);
    else out[key] = value;
  }
  const fail = number("failBulkOperations");
  if (fail !== undefined) {
    if (!Number.isInteger(fail) || fail < 0) problems.push(`failBulkOperations must be a non-negative integer, got ${fail}`);
    else out.failBulkOperations = fail;
  }
  if (problems.length > 0) throw new FaultOptionsError(`Invalid fault options: ${problems.join("; ")}`);
  return out;
}

function zeroCounts(): FaultCounts {
  return { throttled: 0, serverErrors: 0, slowed: 0, failedBulkOperations: 0, slowDownloads: 0 };
}

/** Resolves after at least `ms` milliseconds by the monotonic clock (timers may fire a little early). */
export async function sleepAtLeast(ms: number): Promise<void> {
  const end = performance.now() + ms;
  for (let left = ms; left > 0; left = end - performance.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}

export class Faults {
  private current: FaultOptions = {};
  private random: Random = createRandom(1);
  private remainingBulkFailures = 0;
  private tally: FaultCounts = zeroCounts();

  constructor(options: FaultOptions = {}) {
    this.set(options);
  }

  /** Replaces every option (validated; throws FaultOptionsError), restarts the draws and the counts. */
  set(options: FaultOptions): void {
    const valid = validateFaultOptions(options);
    this.current = valid;
    this.random = createRandom(valid.seed ?? 1);
    this.remainingBulkFailures = valid.failBulkOperations ?? 0;
    this.tally = zeroCounts();
  }

  /** No faults any more; the counts are kept until the next `set()`. */
  clear(): void {
    this.current = {};
    this.random = createRandom(1);
    this.remainingBulkFailures = 0;
  }

  /** The options as set, with `failBulkOperations` counting down as operations fail. */
  options(): FaultOptions {
    const out: FaultOptions = { ...this.current };
    if (out.failBulkOperations !== undefined) out.failBulkOperations = this.remainingBulkFailures;
    return out;
  }

  /** Faults applied since the options were last set. */
  counts(): FaultCounts {
    return { ...this.tally };
  }

  // --- used by the server and the bulk operations -------------------------------------------

  /** Draws the fault of one Admin GraphQL request (two draws, always, so the sequence is stable). */
  drawAdminFault(): AdminFault {
    const serverError = this.random.next() < (this.current.serverErrorRate ?? 0);
    const throttle = this.random.next() < (this.current.throttleRate ?? 0);
    if (serverError) return "serverError";
    if (throttle) return "throttle";
    return null;
  }

  /** Milliseconds to add before an Admin GraphQL answer (0: none). */
  slowMs(): number {
    return this.current.slowMs ?? 0;
  }

  /** Milliseconds between the chunks of a bulk download (0: sent at once). */
  slowDownloadMs(): number {
    return this.current.slowDownloadMs ?? 0;
  }

  /** True if the bulk operation starting now must fail; takes one from `failBulkOperations`. */
  takeBulkFailure(): boolean {
    if (this.remainingBulkFailures <= 0) return false;
    this.remainingBulkFailures--;
    this.tally.failedBulkOperations++;
    return true;
  }

  /** Records an applied fault. */
  count(kind: "throttled" | "serverErrors" | "slowed" | "slowDownloads"): void {
    this.tally[kind]++;
  }
}
