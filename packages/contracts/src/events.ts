import { z } from 'zod';
import { CorrelationId, Instant, UserId, Uuid } from './common.ts';
import { Task } from './tasks.ts';

export const TOPICS = { tasks: 'tasks.events', reminders: 'reminders.events' } as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
/**
 * Where every message that cannot be processed goes, whichever topic it came from (its CloudEvent
 * keeps `topic`, and `deadletterreason` says why). One topic for all: Redpanda Cloud's free tier
 * allows three, and this makes taskflow's three.
 */
export const DEAD_LETTER_TOPIC = 'events.deadletter';

/** The envelope's own schema version (the seed's `version`). */
export const ENVELOPE_VERSION = 1;

export const RecurringSpawnedData = z.object({
  series_id: Uuid,
  instance_id: Uuid,
  occurrence_at: Instant,
  next_occurrence: Instant.nullable(),
  title: z.string(),
  due_date: Instant.nullable(),
});
export type RecurringSpawnedData = z.infer<typeof RecurringSpawnedData>;

export const ReminderTriggeredData = z.object({
  reminder_id: Uuid,
  task_id: Uuid,
  title: z.string(),
  remind_at: Instant,
  due_date: Instant.nullable(),
  /** Fired after its time because the worker was down (within the grace period). */
  late: z.boolean(),
});
export type ReminderTriggeredData = z.infer<typeof ReminderTriggeredData>;

/** The topic of each event type, as the seed's table gives it. */
const topicByType = {
  'task.created': TOPICS.tasks,
  'task.updated': TOPICS.tasks,
  'task.completed': TOPICS.tasks,
  'task.deleted': TOPICS.tasks,
  'recurring.spawned': TOPICS.tasks,
  'reminder.triggered': TOPICS.reminders,
} as const;

export type EventType = keyof typeof topicByType;
export const EventType = z.enum(Object.keys(topicByType) as [EventType, ...EventType[]]);

export function topicOf(type: EventType): Topic {
  return topicByType[type];
}

const envelopeFields = {
  event_id: Uuid,
  user_id: UserId,
  aggregate_id: z.string().min(1),
  timestamp: Instant,
  correlation_id: CorrelationId,
  version: z.literal(ENVELOPE_VERSION),
  /** The aggregate's version after this event: consumers apply events in this order. */
  aggregate_version: z.int().min(1),
};

const Envelope = z.object(envelopeFields);

/** Every event taskflow publishes, discriminated by `event_type`. */
export const EventEnvelope = z.discriminatedUnion('event_type', [
  Envelope.extend({ event_type: z.literal('task.created'), data: Task }),
  Envelope.extend({ event_type: z.literal('task.updated'), data: Task }),
  Envelope.extend({ event_type: z.literal('task.completed'), data: Task }),
  /** Carries the task as it stood when deleted, with the deletion's version. */
  Envelope.extend({ event_type: z.literal('task.deleted'), data: Task }),
  Envelope.extend({ event_type: z.literal('recurring.spawned'), data: RecurringSpawnedData }),
  Envelope.extend({ event_type: z.literal('reminder.triggered'), data: ReminderTriggeredData }),
]);
export type EventEnvelope = z.infer<typeof EventEnvelope>;
export type EventOf<T extends EventType> = Extract<EventEnvelope, { event_type: T }>;
export type EventData<T extends EventType> = EventOf<T>['data'];

export interface EventContext {
  userId: string;
  correlationId: string;
  /** Defaults to now; pass the transaction's clock to keep event and row in step. */
  at?: Date;
}

/** A new event with a fresh id. The envelope is built here so that every producer agrees. */
export function makeEvent<T extends EventType>(
  type: T,
  aggregate: { id: string; version: number },
  data: EventData<T>,
  context: EventContext,
): EventOf<T> {
  return {
    event_id: crypto.randomUUID(),
    event_type: type,
    user_id: context.userId,
    aggregate_id: aggregate.id,
    aggregate_version: aggregate.version,
    timestamp: (context.at ?? new Date()).toISOString(),
    correlation_id: context.correlationId,
    data,
    version: ENVELOPE_VERSION,
  } as EventOf<T>;
}
