import { asc, isNull, sql } from 'drizzle-orm';
import { events } from './schema.ts';
import type { Executor } from './client.ts';
import type { EventRow } from './events.ts';

/**
 * The oldest unpublished events, locked for this transaction. Rows another relay holds are
 * skipped, so any number of relays can work the outbox side by side.
 */
export async function claimUnpublished(ex: Executor, limit: number): Promise<EventRow[]> {
  return ex
    .select()
    .from(events)
    .where(isNull(events.publishedAt))
    .orderBy(asc(events.seq))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function markPublished(ex: Executor, seqs: number[]): Promise<void> {
  if (seqs.length === 0) return;
  await ex
    .update(events)
    .set({ publishedAt: sql`now()` })
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
