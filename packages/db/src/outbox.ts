import { isNull, sql } from 'drizzle-orm';
import type { EventType } from '@taskflow/contracts';
import { events } from './schema.ts';
import { driverOf, type Executor } from './client.ts';

/** A claimed event as the relay publishes it: what routes it, and its envelope as JSON text. */
export interface ClaimedEvent {
  seq: number;
  eventId: string;
  eventType: EventType;
  userId: string;
  /** The task (or other aggregate) the event is a version of. */
  aggregateId: string;
  correlationId: string;
  /** The EventEnvelope, `data` passed through as stored: never parsed, never re-encoded. */
  envelopeJson: string;
}

/**
 * Claims the oldest unpublished events and marks them published in ONE statement, in `seq`
 * order: call it in a transaction, publish, then give back what the broker refused
 * (`unmarkPublished`) before committing. Until the commit the rows stay locked, so a crash or a
 * failed publish rolls the marks back; rows another relay holds are skipped, so any number of
 * relays can work the outbox side by side.
 *
 * Only the oldest unpublished event of each aggregate is claimable (its later versions wait for
 * a later round). Otherwise a second relay, skipping the locked version 1 of a task, took its
 * version 2 and published it while the first relay's publish of version 1 failed: version 2
 * reached the broker seconds ahead of version 1, and every subscriber, holding version 2 only
 * 200 ms for its predecessor (docs/realtime.md), sent it without version 1 (the chaos soak lost
 * `task.created` events this way around a broker restart). An uncommitted claim still counts as
 * unpublished here, so no relay overtakes another on one aggregate. Only the event just before
 * is looked at (one probe of idx_events_aggregate_seq, however long the history): since versions
 * go out in order, that one published means all before it are.
 *
 * The statement's text is fixed and the envelope is assembled as text (`data` as stored, the
 * time formatted by Postgres): drizzle building the statement and mapping every column, then
 * JSON.parse and JSON.stringify of each event's data, cost the relay about 0.5 ms of CPU per
 * round plus 28 µs per event (docs/benchmarks.md).
 */
export async function claimAndMarkPublished(ex: Executor, limit: number): Promise<ClaimedEvent[]> {
  const rows = await driverOf(ex).unsafe<ClaimedRow[]>(CLAIM_AND_MARK, [limit], { prepare: true });
  // RETURNING follows no particular order; the relay publishes in seq order.
  return rows.map(toClaimedEvent).sort((a, b) => a.seq - b.seq);
}

const CLAIM_AND_MARK = `
  update events set published_at = now()
  where seq in (
    select seq from events e
    where published_at is null
      and coalesce((
        select previous.published_at is not null from events previous
        where previous.aggregate_id = e.aggregate_id and previous.seq < e.seq
        order by previous.seq desc limit 1), true)
    order by seq limit $1
    for update skip locked)
  returning seq::float8 as seq, event_id, event_type, user_id, aggregate_id, aggregate_version,
    to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as timestamp,
    correlation_id, envelope_version, data::text as data, audience`;

interface ClaimedRow {
  seq: number;
  event_id: string;
  event_type: EventType;
  user_id: string;
  aggregate_id: string;
  aggregate_version: number;
  timestamp: string;
  correlation_id: string;
  envelope_version: number;
  data: string;
  audience: string[] | null;
}

const text = JSON.stringify;

/** The same envelope as `toEnvelope` (a test holds them equal), written as JSON directly. */
function toClaimedEvent(row: ClaimedRow): ClaimedEvent {
  return {
    seq: row.seq,
    eventId: row.event_id,
    eventType: row.event_type,
    userId: row.user_id,
    aggregateId: row.aggregate_id,
    correlationId: row.correlation_id,
    envelopeJson:
      `{"event_id":${text(row.event_id)},"event_type":${text(row.event_type)},` +
      `"user_id":${text(row.user_id)},"aggregate_id":${text(row.aggregate_id)},` +
      `"aggregate_version":${row.aggregate_version},"timestamp":${text(row.timestamp)},` +
      `"correlation_id":${text(row.correlation_id)},"data":${row.data},` +
      `"version":${row.envelope_version}` +
      (row.audience ? `,"audience":${text(row.audience)}}` : '}'),
  };
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
