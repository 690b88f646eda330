import { z } from 'zod';
import { CorrelationId, Instant, Uuid } from './common.ts';
import type { EventEnvelope } from './events.ts';

export const WsMessageType = z.enum([
  'task.created',
  'task.updated',
  'task.deleted',
  'task.completed',
  'recurring.spawned',
  'reminder',
]);
export type WsMessageType = z.infer<typeof WsMessageType>;

/** The seed's WebSocket message plus `event_id` and the aggregate version, for dedup and order. */
export const WsMessage = z.object({
  type: WsMessageType,
  data: z.looseObject({
    id: Uuid,
    title: z.string(),
    completed: z.boolean(),
    due_date: Instant.nullable(),
  }),
  timestamp: Instant,
  correlation_id: CorrelationId,
  event_id: Uuid,
  aggregate_version: z.int().min(1),
});
export type WsMessage = z.infer<typeof WsMessage>;

/** What a user's sockets are sent for an event. */
export function toWsMessage(event: EventEnvelope): WsMessage {
  const common = {
    timestamp: event.timestamp,
    correlation_id: event.correlation_id,
    event_id: event.event_id,
    aggregate_version: event.aggregate_version,
  };
  switch (event.event_type) {
    case 'task.created':
    case 'task.updated':
    case 'task.completed':
    case 'task.deleted': {
      const task = event.data;
      return { type: event.event_type, data: { ...task }, ...common };
    }
    case 'recurring.spawned': {
      const spawned = event.data;
      return {
        type: 'recurring.spawned',
        data: {
          id: spawned.instance_id,
          title: spawned.title,
          completed: false,
          due_date: spawned.due_date,
          series_id: spawned.series_id,
          occurrence_at: spawned.occurrence_at,
        },
        ...common,
      };
    }
    case 'reminder.triggered': {
      const reminder = event.data;
      return {
        type: 'reminder',
        data: {
          id: reminder.task_id,
          title: reminder.title,
          completed: false,
          due_date: reminder.due_date,
          reminder_id: reminder.reminder_id,
          remind_at: reminder.remind_at,
          late: reminder.late,
        },
        ...common,
      };
    }
  }
}
