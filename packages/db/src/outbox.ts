import { asc, inArray, isNull, sql } from 'drizzle-orm';
import { events } from './schema.ts';
import type { Executor } from './client.ts';
import type { EventRow } from './events.ts';

/**
 * Claims the oldest unpublished events and marks them published in ONE statement, in `seq`
 * order: call it in a transaction, publish, then give back what the broker refused
 * (`unmarkPublished`) before committing. Until the commit the rows stay locked, so a crash or a
 * failed publish rolls the marks back; rows another relay holds are skipped, so any number of
 * relays can work the outbox side by side. One round trip instead of a locking SELECT and an
 * UPDATE: fewer round trips per relay round, and each row is written once, not locked and then
 * written.
 */
export async function claimAndMarkPublished(ex: Executor, limit: number): Promise<EventRow[]> {
  const oldest = ex
    .select({ seq: events.seq })
    .from(events)
    .where(isNull(events.publishedAt))
    .orderBy(asc(events.seq))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await ex
    .update(events)
    .set({ publishedAt: sql`now()` })
    .where(inArray(events.seq, oldest))
    .returning();
  // RETURNING follows no particular order; the relay publishes in seq order.
  return rows.sort((a, b) => a.seq - b.seq);
}

/** Undoes the mark of events the broker refused, in the claiming transaction: they go again. */
export async function unmarkPublished(ex: Executor, seqs: number[]): Promise<void> {
  if (seqs.length === 0) return;
  await ex
    .update(events)
    .set({ publishedAt: null })
    // One array parameter, not one per row: the same statement text for every batch size.
    .where(sql`${events.seq} = any(${`{${seqs.join(',')}}`}::bigint[])`);
}

/** Seconds since the oldest unpublished event occurred; 0 when everything is out. */
export async function outboxLagSeconds(ex: Executor): Promise<number> {
  const [row] = await ex
    .select({
      lag: sql<number>`coalesce(extract(epoch from now() - min(${events.occurredAt})), 0)::float8`,
    })
    .from(events)
    .where(isNull(events.publishedAt));
  return Math.max(0, row?.lag ?? 0);
}
