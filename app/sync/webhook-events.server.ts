// The life of a recorded webhook event after intake (webhooks.server.ts records and queues it;
// apply-webhook.server.ts applies or parks it): events that lost their job are queued again,
// parked events are listed for the merchant and retried on request, and events are deleted
// once they are old enough that no delivery of them can still arrive.
import prisma from "#app/db.server";
import { enqueueWebhookEvents } from "#app/jobs/queue.server";

/**
 * A queued event's job has run out of retries well within this (8 retries from 2 s doubling:
 * about 17 minutes, plus a worker's restart): one still neither applied nor parked after it has
 * lost its job (its worker died on the last attempt, the queue's row was lost) and is queued
 * again. A job still waiting (workers down for a while) is not doubled: the queue keeps one per
 * event.
 */
export const REQUEUE_AFTER_MS = 60 * 60 * 1000;

/**
 * How long events are kept. Shopify delivers an event for at most 4 hours (8 retries) and the
 * catch-up re-reads a change a lost event carried, so a week is ample to recognise a duplicate
 * and to see what happened; parked events wait a month for someone to retry them. Payloads
 * are stored without personal fields (personal-data.ts) and go with the row.
 */
export const PROCESSED_EVENT_RETENTION_DAYS = 7;
export const PARKED_EVENT_RETENTION_DAYS = 30;

const SWEEP_BATCH = 1000;

/** Queues again the events that no job holds (see REQUEUE_AFTER_MS); returns how many. */
export async function requeueStrandedEvents(now = new Date()): Promise<number> {
  const stranded = await prisma.$queryRaw<Array<{ shop: string; event_id: string }>>`
    UPDATE webhook_events e SET queued_at = ${now}
    FROM (
      SELECT shop, event_id FROM webhook_events
      WHERE processed_at IS NULL AND parked_at IS NULL AND queued_at < ${new Date(now.getTime() - REQUEUE_AFTER_MS)}
      ORDER BY queued_at
      LIMIT ${SWEEP_BATCH}
      FOR UPDATE SKIP LOCKED
    ) s
    WHERE e.shop = s.shop AND e.event_id = s.event_id
    RETURNING e.shop, e.event_id`;
  await enqueueWebhookEvents(stranded.map(({ shop, event_id }) => ({ shop, eventId: event_id })));
  if (stranded.length > 0) console.warn(`[webhooks] ${stranded.length} recorded events had lost their job and were queued again`);
  return stranded.length;
}

/** Deletes events past their retention (see PROCESSED_EVENT_RETENTION_DAYS); returns how many. */
export async function deleteExpiredEvents(now = new Date()): Promise<number> {
  const day = 86_400_000;
  return prisma.$executeRaw`
    DELETE FROM webhook_events
    WHERE (processed_at IS NOT NULL AND received_at < ${new Date(now.getTime() - PROCESSED_EVENT_RETENTION_DAYS * day)})
       OR (parked_at IS NOT NULL AND received_at < ${new Date(now.getTime() - PARKED_EVENT_RETENTION_DAYS * day)})`;
}

export interface ParkedEvent {
  topic: string;
  receivedAt: string;
  parkedAt: string;
  reason: string;
}

/**
 * The shop's parked events, newest first (at most `limit`), and how many there are: both from
 * one statement, so that a count never names events its list does not show (an event parked
 * between two reads would have).
 */
export async function parkedEvents(shop: string, limit = 20): Promise<{ count: number; latest: ParkedEvent[] }> {
  const rows = await prisma.$queryRaw<Array<{ topic: string; received_at: Date; parked_at: Date; error: string | null; total: bigint }>>`
    SELECT topic, received_at, parked_at, error, count(*) OVER () AS total
    FROM webhook_events WHERE shop = ${shop} AND parked_at IS NOT NULL
    ORDER BY parked_at DESC LIMIT ${limit}`;
  return {
    count: rows.length === 0 ? 0 : Number(rows[0].total),
    latest: rows.map((row) => ({
      topic: row.topic,
      receivedAt: row.received_at.toISOString(),
      parkedAt: row.parked_at.toISOString(),
      reason: row.error ?? "",
    })),
  };
}

/** Gives the shop's parked events another go (after a fix, say); returns how many were queued. */
export async function retryParkedEvents(shop: string): Promise<number> {
  const retried = await prisma.$queryRaw<Array<{ event_id: string }>>`
    UPDATE webhook_events SET parked_at = NULL, error = NULL, queued_at = now()
    WHERE shop = ${shop} AND parked_at IS NOT NULL AND processed_at IS NULL
    RETURNING event_id`;
  await enqueueWebhookEvents(retried.map(({ event_id }) => ({ shop, eventId: event_id })));
  return retried.length;
}
