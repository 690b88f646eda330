import { asc, eq, sql, type SQL } from 'drizzle-orm';
import { topicOf, type EventEnvelope } from '@taskflow/contracts';
import { events } from './schema.ts';
import type { Executor } from './client.ts';
import { EVENT_COLUMNS, EVENT_RECORD, eventRecordsJson } from './event-records.ts';

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
  return sql`insert into events (${sql.raw(EVENT_COLUMNS)}) values ${sql.join(rows, sql`, `)}`;
}

/**
 * appendEvents for batches of hundreds (the reminder-worker appends up to 500 per claim): all
 * rows travel as ONE json parameter, unpacked by the server, instead of ten parameters per
 * row. Measured at 500 events: about a third of the time of the multi-row VALUES insert.
 */
export async function appendEventBatch(ex: Executor, envelopes: EventEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  await ex.execute(sql`insert into events (${sql.raw(EVENT_COLUMNS)})
    select * from json_to_recordset(${eventRecordsJson(envelopes)}::json) as e(${sql.raw(EVENT_RECORD)})`);
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
