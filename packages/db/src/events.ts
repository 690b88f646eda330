import { asc, eq } from 'drizzle-orm';
import { topicOf, type EventEnvelope } from '@taskflow/contracts';
import { events } from './schema.ts';
import type { Executor } from './client.ts';

export type EventRow = typeof events.$inferSelect;

/** Appends events to the outbox / event store; call it in the transaction of the change. */
export async function appendEvents(ex: Executor, envelopes: EventEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  await ex.insert(events).values(
    envelopes.map((event) => ({
      eventId: event.event_id,
      eventType: event.event_type,
      topic: topicOf(event.event_type),
      userId: event.user_id,
      aggregateId: event.aggregate_id,
      aggregateVersion: event.aggregate_version,
      correlationId: event.correlation_id,
      occurredAt: new Date(event.timestamp),
      envelopeVersion: event.version,
      data: event.data,
    })),
  );
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
