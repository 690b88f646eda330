import { asc, eq, type SQL } from 'drizzle-orm';
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
    ...(row.audience ? { audience: row.audience } : {}),
  } as EventEnvelope;
}

/** A user's stored events in the order they were appended. */
export const userEvents = (ex: Executor, userId: string) =>
  storedEvents(ex, eq(events.userId, userId));

/** One aggregate's (a task's, a project's) stored events in the order they were appended. */
export const aggregateEvents = (ex: Executor, aggregateId: string) =>
  storedEvents(ex, eq(events.aggregateId, aggregateId));

async function storedEvents(ex: Executor, where: SQL): Promise<EventEnvelope[]> {
  const rows = await ex.select().from(events).where(where).orderBy(asc(events.seq));
  return rows.map(toEnvelope);
}
