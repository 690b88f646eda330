import { asc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { events, outbox } from './schema.ts';
import type { Executor } from './client.ts';
import type { EventRow } from './events.ts';

/**
 * Takes the oldest events still to publish off the outbox, in ONE statement, in `seq` order:
 * call it in a transaction, publish, give back what the broker refused (`returnToOutbox`), then
 * commit. Until the commit the outbox rows stay locked, so a crash or a failed publish rolls
 * the take back; rows another relay holds are skipped, so any number of relays can work the
 * outbox side by side.
 */
export async function takeFromOutbox(ex: Executor, limit: number): Promise<EventRow[]> {
  const oldest = ex
    .select({ seq: outbox.seq })
    .from(outbox)
    .orderBy(asc(outbox.seq))
    .limit(limit)
    .for('update', { skipLocked: true });
  const taken = ex
    .$with('taken')
    .as(ex.delete(outbox).where(inArray(outbox.seq, oldest)).returning({ seq: outbox.seq }));
  return ex
    .with(taken)
    .select(getTableColumns(events))
    .from(events)
    .innerJoin(taken, eq(events.seq, taken.seq))
    .orderBy(asc(events.seq));
}

/** Puts events the broker refused back on the outbox, in the taking transaction. */
export async function returnToOutbox(ex: Executor, seqs: number[]): Promise<void> {
  if (seqs.length === 0) return;
  // One array parameter, not one per row: the same statement text for every batch size.
  await ex.execute(sql`insert into outbox (seq)
    select unnest(${`{${seqs.join(',')}}`}::bigint[])`);
}

/** Seconds since the oldest event still to publish occurred; 0 when everything is out. */
export async function outboxLagSeconds(ex: Executor): Promise<number> {
  const [row] = await ex.execute<{ lag: number | null }>(sql`
    select extract(epoch from now() - occurred_at)::float8 as lag
    from events where seq = (select min(seq) from outbox)`);
  return Math.max(0, row?.lag ?? 0);
}
