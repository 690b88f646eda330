import { z } from 'zod';
import { CorrelationId, Instant, UserId, Uuid } from './common.ts';
import { Project, ProjectMemberChange } from './projects.ts';
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
  /** The instance's project (its members receive the event), or null. */
  project_id: Uuid.nullable().default(null),
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
  /** The task's project (every member receives it: a shared task's reminders are the task's). */
  project_id: Uuid.nullable().default(null),
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
  // Beside the tasks: a membership change and the task events after it keep one order per
  // project member's sockets, and the topic count stays at three.
  'project.created': TOPICS.tasks,
  'project.updated': TOPICS.tasks,
  'project.deleted': TOPICS.tasks,
  'project.member_added': TOPICS.tasks,
  'project.member_updated': TOPICS.tasks,
  'project.member_removed': TOPICS.tasks,
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
  /**
   * Whose sockets receive it, when that is not `user_id` alone: the members of the task's (or
   * the project's) project as the change committed, and a removed member for their removal.
   */
  audience: z.array(UserId).min(1).optional(),
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
  Envelope.extend({ event_type: z.literal('project.created'), data: Project }),
  Envelope.extend({ event_type: z.literal('project.updated'), data: Project }),
  /** Carries the project as it stood when deleted, with the deletion's version. */
  Envelope.extend({ event_type: z.literal('project.deleted'), data: Project }),
  Envelope.extend({ event_type: z.literal('project.member_added'), data: ProjectMemberChange }),
  Envelope.extend({ event_type: z.literal('project.member_updated'), data: ProjectMemberChange }),
  /** `member` is the one removed (or who left); `project` no longer lists them. */
  Envelope.extend({ event_type: z.literal('project.member_removed'), data: ProjectMemberChange }),
]);
export type EventEnvelope = z.infer<typeof EventEnvelope>;
export type EventOf<T extends EventType> = Extract<EventEnvelope, { event_type: T }>;
export type EventData<T extends EventType> = EventOf<T>['data'];

export interface EventContext {
  userId: string;
  correlationId: string;
  /** Whose sockets receive it, when not `userId` alone (see the envelope's `audience`). */
  audience?: string[] | undefined;
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
    ...(context.audience ? { audience: context.audience } : {}),
  } as EventOf<T>;
}

/** The users whose sockets receive an event. */
export const audienceOf = (event: Pick<EventEnvelope, 'user_id' | 'audience'>): string[] =>
  event.audience ?? [event.user_id];
