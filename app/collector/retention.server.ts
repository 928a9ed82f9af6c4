// What the pixel leaves behind, deleted on the upkeep schedule (app/jobs/worker.server.ts):
// - raw events received more than METRYKA_PIXEL_EVENT_RETENTION_DAYS ago (default 30), once
//   their sessions are in the rollup (app/metrics/pixel-sessions.server.ts), which keeps them,
//   and the stored sessions of the days before then, which no refresh reads again;
// - the visitor salts of UTC days before yesterday: the collector refuses events older than a
//   day, so no event needs them again, and without them a visitor id cannot be linked to a
//   browser or to the same browser's id on another day.
import prisma from "#app/db.server";
import { env } from "#app/env.server";
import { pixelRefreshGroups, refreshPixelSessionsOfShops } from "#app/metrics/pixel-sessions.server";
import { forgetSalts } from "./visitors.server";

const DAY_MS = 86_400_000;

export async function deleteExpiredPixelData(now = new Date(), retentionDays = env.METRYKA_PIXEL_EVENT_RETENTION_DAYS): Promise<{ events: number; salts: number }> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const rows = await prisma.$queryRaw<Array<{ shop: string }>>`
    SELECT DISTINCT shop FROM pixel_events WHERE received_at < ${cutoff}`;
  let events = 0;
  for (const group of pixelRefreshGroups(rows.map((row) => row.shop))) {
    // Their sessions first, so the rollup keeps what the raw events no longer will.
    await refreshPixelSessionsOfShops(group);
    events += await prisma.$executeRaw`DELETE FROM pixel_events WHERE shop = ANY(${group}::text[]) AND received_at < ${cutoff}`;
    // The sessions of UTC days before the cutoff's: the collector takes no event a day old, so
    // no refresh rebuilds those days again.
    await prisma.$executeRaw`
      DELETE FROM pixel_sessions WHERE shop = ANY(${group}::text[])
        AND started_at < date_trunc('day', ${cutoff}::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 day'`;
  }
  const yesterday = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - DAY_MS);
  const salts = await prisma.$executeRaw`DELETE FROM pixel_salts WHERE day < ${yesterday}::date`;
  if (salts > 0) forgetSalts();
  return { events, salts };
}
