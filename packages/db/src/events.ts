import { asc, eq, sql, type SQL } from 'drizzle-orm';
import { topicOf, type EventEnvelope } from '@taskflow/contracts';
import { events } from './schema.ts';
import type { Executor } from './client.ts';

export type EventRow = typeof events.$inferSelect;

/** Appends events to the outbox / event store; call it in the transaction of the change. */
export async function appendEvents(ex: Executor, envelopes: EventEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  await ex.execute(insertEventsSql(envelopes));
}

/** `insert into events ...` for these envelopes; also embedded in bigger statements. */
export function insertEventsSql(envelopes: EventEnvelope[]): SQL {
  const rows = envelopes.map(
    (event) =>
      sql`(${event.event_id}, ${event.event_type}, ${topicOf(event.event_type)}, ${event.user_id},
        ${event.aggregate_id}, ${event.aggregate_version}, ${event.correlation_id},
        ${event.timestamp}, ${event.version}, ${JSON.stringify(event.data)}::jsonb)`,
  );
  return sql`insert into events (event_id, event_type, topic, user_id, aggregate_id,
    aggregate_version, correlation_id, occurred_at, envelope_version, data)
    values ${sql.join(rows, sql`, `)}`;
}

/**
 * appendEvents for batches of hundreds (the reminder-worker appends up to 500 per claim): all
 * rows travel as ONE jsonb parameter, unpacked by the server, instead of ten parameters per
 * row. Measured at 500 events: about a third of the time of the multi-row VALUES insert.
 */
export async function appendEventBatch(ex: Executor, envelopes: EventEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  const rows = envelopes.map((event) => ({
    event_id: event.event_id,
    event_type: event.event_type,
    topic: topicOf(event.event_type),
    user_id: event.user_id,
    aggregate_id: event.aggregate_id,
    aggregate_version: event.aggregate_version,
    correlation_id: event.correlation_id,
    occurred_at: event.timestamp,
    envelope_version: event.version,
    data: event.data,
  }));
  await ex.execute(sql`insert into events (event_id, event_type, topic, user_id, aggregate_id,
    aggregate_version, correlation_id, occurred_at, envelope_version, data)
    select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as e(event_id uuid,
      event_type text, topic text, user_id text, aggregate_id text, aggregate_version integer,
      correlation_id text, occurred_at timestamptz, envelope_version smallint, data jsonb)`);
}

/** The envelope a stored event was appended as. */
export function toEnvelope(row: EventRow): EventEnvelope {
  return {
    event_id: row.eventId,
    event_type: row.eventType,
    user_id: row.userId,
    aggregate_id: row.aggregateId,
    aggregate_version: row.aggregateVersion,
    timestamp: row.occurredAt.toISOString(),
    correlation_id: row.correlationId,
    data: row.data,
    version: row.envelopeVersion,
  } as EventEnvelope;
}

/** A user's stored events in the order they were appended. */
export async function userEvents(ex: Executor, userId: string): Promise<EventEnvelope[]> {
  const rows = await ex
    .select()
    .from(events)
    .where(eq(events.userId, userId))
    .orderBy(asc(events.seq));
  return rows.map(toEnvelope);
}
