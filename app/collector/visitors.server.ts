// Visitor ids without following anyone: the pixel's client id hashed with a random salt of the
// shop for the event's UTC day. Salts are made on first use and deleted two days later
// (deleteExpiredPixelData), so the same browser gets another id every day and, once a day's salt
// is gone, nobody (Metryka included) can link its id back to a client id. Sessions are cut at
// midnight UTC anyway, so no session is split by the change.
import crypto from "node:crypto";
import { sqlPool } from "#app/db-pool.server";

const DAY_MS = 86_400_000;
const salts = new Map<string, Buffer>();

const dayNumber = (instant: number) => Math.floor(instant / DAY_MS);
const dayText = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

const loading = new Map<string, Promise<Buffer>>();

/**
 * Makes the shop's salt of the day, or reads it if another request made it first. When another
 * process inserts it at the same moment, this statement waits for that insert and then sees
 * neither its own row nor (in its snapshot) the other: it asks once more, and now sees it.
 */
async function loadSalt(shop: string, day: string): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    const { rows } = await sqlPool().query<{ salt: Buffer }>(
      `WITH made AS (
         INSERT INTO pixel_salts (shop, day, salt) VALUES ($1, $2::date, $3) ON CONFLICT (shop, day) DO NOTHING RETURNING salt
       )
       SELECT salt FROM made UNION ALL SELECT salt FROM pixel_salts WHERE shop = $1 AND day = $2::date`,
      [shop, day, crypto.randomBytes(32)],
    );
    if (rows[0]) return rows[0].salt;
    if (attempt === 3) throw new Error(`No visitor salt for ${shop} on ${day}`);
  }
}

/** The shop's salt of a UTC day: cached, and looked up once however many requests want it. */
async function saltOf(shop: string, day: string): Promise<Buffer> {
  const key = `${shop}|${day}`;
  const cached = salts.get(key);
  if (cached) return cached;
  let pending = loading.get(key);
  if (!pending) {
    pending = loadSalt(shop, day)
      .then((salt) => {
        if (salts.size > 100_000) salts.clear();
        salts.set(key, salt);
        return salt;
      })
      .finally(() => loading.delete(key));
    loading.set(key, pending);
  }
  return pending;
}

/**
 * The hash of a client id with a salt: the first 22 characters of base64url (128 bits) of
 * SHA-256(salt ‖ client id in UTF-8). One call, not a hash object per event: the collector hashes
 * every event it takes.
 */
export function visitorHash(salt: Buffer, clientId: string): string {
  return crypto.hash("sha256", Buffer.concat([salt, Buffer.from(clientId, "utf8")]), "base64url").slice(0, 22);
}

/** The visitor id of each event: its client id hashed with the shop's salt of its UTC day. */
export async function visitorIds(shop: string, events: Array<{ clientId: string; at: number }>): Promise<string[]> {
  // A batch spans one UTC day, rarely two: each day's salt is looked up once.
  const days = new Map<number, Buffer>();
  for (const event of events) {
    const day = dayNumber(event.at);
    if (!days.has(day)) days.set(day, await saltOf(shop, dayText(day)));
  }
  return events.map((event) => visitorHash(days.get(dayNumber(event.at))!, event.clientId));
}

/** Forgets the cached salts (after the upkeep deleted some, and in tests). */
export function forgetSalts(): void {
  salts.clear();
}
