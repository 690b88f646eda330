import { asc, eq } from 'drizzle-orm';
import type { EventEnvelope } from '@taskflow/contracts';
import { events } from './schema.ts';
import type { Executor } from './client.ts';

export type EventRow = typeof events.$inferSelect;

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
