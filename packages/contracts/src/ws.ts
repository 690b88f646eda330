import { z } from 'zod';
import { CorrelationId, Instant, Uuid } from './common.ts';
import type { EventEnvelope } from './events.ts';
import { Project, ProjectMemberChange } from './projects.ts';
import { Task } from './tasks.ts';

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

/** `recurring.spawned`: the new instance, and the series and occurrence it stands for. */
export const WsSpawnedData = z.object({
  id: Uuid,
  title: z.string(),
  completed: z.literal(false),
  due_date: Instant.nullable(),
  series_id: Uuid,
  occurrence_at: Instant,
  project_id: Uuid.nullable(),
});

/** `reminder`: the (open) task the reminder is for, and the reminder itself. */
export const WsReminderData = z.object({
  id: Uuid,
  title: z.string(),
  completed: z.literal(false),
  due_date: Instant.nullable(),
  reminder_id: Uuid,
  remind_at: Instant,
  late: z.boolean(),
  project_id: Uuid.nullable(),
});

const eventMessage = <T extends WsMessageType, D extends z.ZodType>(type: T, data: D) =>
  WsMessage.extend({ type: z.literal(type), data });

/**
 * Each event message with its exact `data`, as `toWsMessage` builds it. `WsMessage` is what
 * all of them satisfy (and what clients parse, so a field added here breaks no client); these
 * are what the AsyncAPI document publishes per type.
 */
export const WsEventMessages = {
  'task.created': eventMessage('task.created', Task),
  'task.updated': eventMessage('task.updated', Task),
  'task.completed': eventMessage('task.completed', Task),
  'task.deleted': eventMessage('task.deleted', Task),
  'recurring.spawned': eventMessage('recurring.spawned', WsSpawnedData),
  reminder: eventMessage('reminder', WsReminderData),
} satisfies Record<WsMessageType, z.ZodType>;

/** A project or membership change, to every member's sockets (and a removed member's). */
export const WsProjectMessageType = z.enum([
  'project.created',
  'project.updated',
  'project.deleted',
  'project.member_added',
  'project.member_updated',
  'project.member_removed',
]);
export type WsProjectMessageType = z.infer<typeof WsProjectMessageType>;

const projectMessage = <T extends WsProjectMessageType, D extends z.ZodType>(type: T, data: D) =>
  z.object({
    type: z.literal(type),
    data,
    timestamp: Instant,
    correlation_id: CorrelationId,
    event_id: Uuid,
    aggregate_version: z.int().min(1),
  });

/** Each project message with its exact `data`: the project, or the project and the member. */
export const WsProjectMessages = {
  'project.created': projectMessage('project.created', Project),
  'project.updated': projectMessage('project.updated', Project),
  'project.deleted': projectMessage('project.deleted', Project),
  'project.member_added': projectMessage('project.member_added', ProjectMemberChange),
  'project.member_updated': projectMessage('project.member_updated', ProjectMemberChange),
  'project.member_removed': projectMessage('project.member_removed', ProjectMemberChange),
} satisfies Record<WsProjectMessageType, z.ZodType>;

export const WsProjectMessage = z.object({
  type: WsProjectMessageType,
  data: z.union([ProjectMemberChange, Project]),
  timestamp: Instant,
  correlation_id: CorrelationId,
  event_id: Uuid,
  aggregate_version: z.int().min(1),
});
export type WsProjectMessage = z.infer<typeof WsProjectMessage>;

/** Every event message a socket may be sent, for tasks and for projects. */
export type WsEventMessage = WsMessage | WsProjectMessage;
export type WsEventMessageType = WsMessageType | WsProjectMessageType;

/** A message about a task (or a reminder, or a spawn), not about a project. */
export const isTaskMessage = (message: WsEventMessage): message is WsMessage =>
  !message.type.startsWith('project.');

/** What a user's sockets are sent for an event. */
export function toWsMessage(event: EventEnvelope): WsEventMessage {
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
      const data: z.infer<typeof WsSpawnedData> = {
        id: spawned.instance_id,
        title: spawned.title,
        completed: false,
        due_date: spawned.due_date,
        series_id: spawned.series_id,
        occurrence_at: spawned.occurrence_at,
        project_id: spawned.project_id,
      };
      return { type: 'recurring.spawned', data, ...common };
    }
    case 'reminder.triggered': {
      const reminder = event.data;
      const data: z.infer<typeof WsReminderData> = {
        id: reminder.task_id,
        title: reminder.title,
        completed: false,
        due_date: reminder.due_date,
        reminder_id: reminder.reminder_id,
        remind_at: reminder.remind_at,
        late: reminder.late,
        project_id: reminder.project_id,
      };
      return { type: 'reminder', data, ...common };
    }
    case 'project.created':
    case 'project.updated':
    case 'project.deleted':
    case 'project.member_added':
    case 'project.member_updated':
    case 'project.member_removed':
      return { type: event.event_type, data: event.data, ...common };
  }
}

// ---- Control messages of the realtime protocol (docs/realtime.md) ----

/** First message on every socket: how the server will treat this connection. */
export const WsHello = z.object({
  type: z.literal('hello'),
  /** The server pings this often; a peer silent for longer is dropped (clients may do alike). */
  heartbeat_interval_ms: z.int().min(1),
  /** How many replayed messages follow at once (resume with `last_event_id`); 0 otherwise. */
  replayed: z.int().min(0),
});
export type WsHello = z.infer<typeof WsHello>;

/**
 * The server cannot prove the client missed nothing since `last_event_id` (older than the
 * replica's buffer, or from before the replica started): reload over REST. Live events follow
 * on the same socket.
 */
export const WsResync = z.object({
  type: z.literal('resync'),
  reason: z.enum(['not_in_buffer']),
});
export type WsResync = z.infer<typeof WsResync>;

/** The answer to a client's `ping`. */
export const WsPong = z.object({ type: z.literal('pong') });
export type WsPong = z.infer<typeof WsPong>;

/** Everything a server sends, told apart by `type`. */
export const WsServerMessage = z.discriminatedUnion('type', [
  WsMessage,
  WsProjectMessage,
  WsHello,
  WsResync,
  WsPong,
]);
export type WsServerMessage = z.infer<typeof WsServerMessage>;

/**
 * What a client may send: only `ping` (browsers cannot see protocol-level pings, so they check
 * the server with this). Anything else closes the socket with WS_CLOSE.invalidMessage.
 */
export const WsClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ping') }),
]);
export type WsClientMessage = z.infer<typeof WsClientMessage>;

/** `?last_event_id=`: the last event a reconnecting client saw, to resume after it. */
export const WsResumeQuery = z.object({
  last_event_id: Uuid.optional(),
  /** The token, for clients that can set neither headers nor subprotocols; never logged. */
  access_token: z.string().max(8192).optional(),
});
export type WsResumeQuery = z.infer<typeof WsResumeQuery>;

/**
 * Close codes the server uses. "Come back" codes tell a client to reconnect (with backoff, and
 * `last_event_id` to resume); the others mean reconnecting as is will fail the same way.
 */
export const WS_CLOSE = {
  /** The replica is shutting down: reconnect (another replica, or this one when back). */
  goingAway: 1001,
  /** The client sent something that is not a valid client message, or too many of them. */
  invalidMessage: 1008,
  /** The bearer token expired while the socket was open: reconnect with a fresh token. */
  tokenExpired: 4001,
  /** The client read too slowly and the server stopped buffering for it: reconnect and resume. */
  slowConsumer: 4008,
} as const;
export type WsCloseCode = (typeof WS_CLOSE)[keyof typeof WS_CLOSE];
