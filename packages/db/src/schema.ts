import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  unique,
  uniqueIndex,
  uuid,
  varchar,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { instantFromPostgres, instantToPostgres } from './instant.ts';

// Every instant is timestamptz (the seed's TIMESTAMP loses the offset), kept to milliseconds:
// what JavaScript holds, so a value read and written back (a list cursor) compares equal. Read
// and written by our own codec (instant.ts): drizzle's timestamp column reads years before 100
// wrongly. The type's spelling is drizzle-kit's, so its snapshots see no change.
const instantColumn = customType<{ data: Date; driverData: string }>({
  dataType: () => 'timestamp (3) with time zone',
  toDriver: instantToPostgres,
  fromDriver: instantFromPostgres,
});
const instant = (name: string) => instantColumn(name);

/** Read only by Postgres: the `search_tasks` trigger writes it, `@@` reads it. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** A user is the identity provider's subject; the row is created on first use. */
export const users = pgTable('users', {
  id: text('id').primaryKey(),
  createdAt: instant('created_at')
    .notNull()
    .default(sql`now()`),
});

export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: varchar('title', { length: 500 }).notNull(),
    description: text('description'),
    completed: boolean('completed').notNull().default(false),
    completedAt: instant('completed_at'),
    dueDate: instant('due_date'),
    recurrenceRule: varchar('recurrence_rule', { length: 255 }),
    isRecurring: boolean('is_recurring').notNull().default(false),
    nextOccurrence: instant('next_occurrence'),
    timeZone: text('time_zone'),
    /** 'schedule': instances follow the rule's calendar; 'completion': one interval after done. */
    recurrenceMode: text('recurrence_mode'),
    /** The series' DTSTART: the rule's first occurrence, in `time_zone` wall-clock terms. */
    seriesStart: instant('series_start'),
    /** The series an instance was spawned from; instances outlive their series. */
    seriesId: uuid('series_id').references((): AnyPgColumn => tasks.id, { onDelete: 'set null' }),
    /** For an instance: the occurrence it was spawned for. One instance per occurrence. */
    occurrenceAt: instant('occurrence_at'),
    priority: smallint('priority'),
    /**
     * Its project: the members see and share it. No cascade: a project's deletion deletes its
     * tasks itself, each with its task.deleted event.
     */
    projectId: uuid('project_id').references((): AnyPgColumn => projects.id),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /**
     * Title (weight A) and description (B) as the search language stems them, kept by the
     * trigger of migration 0004 (so every writer, in every service, keeps it right).
     */
    search: tsvector('search')
      .notNull()
      .default(sql`''::tsvector`),
    version: integer('version').notNull().default(1),
    createdAt: instant('created_at')
      .notNull()
      .default(sql`now()`),
    updatedAt: instant('updated_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    index('idx_tasks_next_occurrence')
      .on(t.nextOccurrence)
      .where(sql`${t.isRecurring} = true`),
    // Keyset pagination: newest first, ties broken by id.
    index('idx_tasks_user_created').on(t.userId, t.createdAt.desc(), t.id.desc()),
    index('idx_tasks_user_due').on(t.userId, t.dueDate),
    // Exactly one instance per occurrence, however many schedulers race or retry.
    uniqueIndex('unique_instance_per_occurrence')
      .on(t.seriesId, t.occurrenceAt)
      .where(sql`${t.seriesId} is not null`),
    check(
      'tasks_recurrence_mode',
      sql`${t.recurrenceMode} is null or ${t.recurrenceMode} in ('schedule', 'completion')`,
    ),
    check('tasks_title_not_blank', sql`char_length(btrim(${t.title})) > 0`),
    check('tasks_description_length', sql`char_length(${t.description}) <= 10000`),
    check('tasks_version_positive', sql`${t.version} > 0`),
    check('tasks_priority', sql`${t.priority} between 1 and 4`),
    check('tasks_tags_count', sql`cardinality(${t.tags}) <= 20`),
    // A user's matches straight from one index (btree_gin puts user_id beside the lexemes):
    // with the search vectors alone, a common word made Postgres build a bitmap of every
    // user's matches first (docs/benchmarks.md, search).
    index('idx_tasks_user_search').using('gin', t.userId, t.search),
    // A project's tasks, newest first, for every member's list.
    index('idx_tasks_project_created')
      .on(t.projectId, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.projectId} is not null`),
  ],
);

/**
 * A shared list. Who may do what is in `project_members` (contracts' ProjectRole); `created_by`
 * is only its key on the broker, stable whoever owns it later.
 */
export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey(),
    name: varchar('name', { length: 200 }).notNull(),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id),
    version: integer('version').notNull().default(1),
    createdAt: instant('created_at')
      .notNull()
      .default(sql`now()`),
    updatedAt: instant('updated_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    check('projects_name_not_blank', sql`char_length(btrim(${t.name})) > 0`),
    check('projects_version_positive', sql`${t.version} > 0`),
  ],
);

export const projectMembers = pgTable(
  'project_members',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    addedAt: instant('added_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    // A user's projects: every task list and every access check starts here.
    index('idx_project_members_user').on(t.userId, t.projectId),
    check('project_members_role', sql`${t.role} in ('owner', 'editor', 'viewer')`),
  ],
);

/**
 * Where a user's reminders go besides their open tabs: an email address or a webhook URL. A
 * webhook's `secret` signs every request (HMAC-SHA256); an email's `unsubscribe_token` is the
 * credential of its unsubscribe link. The verification token is kept only as its SHA-256.
 */
export const channels = pgTable(
  'channels',
  {
    id: uuid('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    address: text('address').notNull(),
    status: text('status').notNull().default('unverified'),
    useByDefault: boolean('use_by_default').notNull().default(true),
    timeZone: text('time_zone').notNull().default('UTC'),
    secret: text('secret'),
    unsubscribeToken: text('unsubscribe_token'),
    verifyTokenHash: text('verify_token_hash'),
    verifyExpiresAt: instant('verify_expires_at'),
    verifiedAt: instant('verified_at'),
    createdAt: instant('created_at')
      .notNull()
      .default(sql`now()`),
    updatedAt: instant('updated_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    unique('unique_channel_per_user_address').on(t.userId, t.kind, t.address),
    uniqueIndex('idx_channels_verify_token')
      .on(t.verifyTokenHash)
      .where(sql`${t.verifyTokenHash} is not null`),
    uniqueIndex('idx_channels_unsubscribe_token')
      .on(t.unsubscribeToken)
      .where(sql`${t.unsubscribeToken} is not null`),
    check('channels_kind', sql`${t.kind} in ('email', 'webhook')`),
    check('channels_status', sql`${t.status} in ('unverified', 'verified', 'unsubscribed')`),
    check('channels_webhook_secret', sql`(${t.kind} = 'webhook') = (${t.secret} is not null)`),
  ],
);

/** A user's channel choice for their reminders on one task (no row: their default channels). */
export const taskChannels = pgTable(
  'task_channels',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    channelIds: uuid('channel_ids').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.userId] })],
);

/**
 * One row per message to send: a reminder to one channel (made once, by the unique index, however
 * often reminder.triggered is delivered), or a channel's verification. Its id is the message's
 * stable id on every attempt. pending -> sending -> sent | pending (retry later) | failed.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey(),
    userId: text('user_id').notNull(),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    purpose: text('purpose').notNull(),
    reminderId: uuid('reminder_id'),
    taskId: uuid('task_id'),
    /** What to send, fixed when the delivery was made (a reminder's title and times). */
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /**
     * When it is due. While `sending`, the attempt's lease: a sender that died mid-attempt left
     * the row `sending`, and once this passes it is claimed again.
     */
    nextAttemptAt: instant('next_attempt_at').default(sql`now()`),
    lastError: text('last_error'),
    sentAt: instant('sent_at'),
    createdAt: instant('created_at')
      .notNull()
      .default(sql`now()`),
    updatedAt: instant('updated_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex('unique_delivery_per_reminder_channel')
      .on(t.reminderId, t.channelId)
      .where(sql`${t.reminderId} is not null`),
    // The sender's claim: what is due, or whose attempt was abandoned.
    index('idx_deliveries_due')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('pending', 'sending')`),
    index('idx_deliveries_user').on(t.userId, t.status, t.createdAt.desc(), t.id.desc()),
    check('deliveries_purpose', sql`${t.purpose} in ('reminder', 'verification')`),
    check('deliveries_status', sql`${t.status} in ('pending', 'sending', 'sent', 'failed')`),
  ],
);

/**
 * One row: the text search configuration (`english`, `german`, `simple`...) that stems tasks
 * and queries. `pnpm --filter @taskflow/db search-language <name>` changes it and re-stems.
 */
export const searchSettings = pgTable(
  'search_settings',
  {
    id: boolean('id').primaryKey().default(true),
    language: text('language').notNull(),
  },
  (t) => [check('search_settings_one_row', sql`${t.id}`)],
);

export const reminders = pgTable(
  'reminders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    remindAt: instant('remind_at').notNull(),
    notified: boolean('notified').notNull().default(false),
    createdAt: instant('created_at')
      .notNull()
      .default(sql`now()`),
    /** Set for "N seconds before the due date": the reminder moves when the due date does. */
    offsetSeconds: integer('offset_seconds'),
    /** pending -> fired | missed | cancelled; `notified` is true once it left pending. */
    status: text('status').notNull().default('pending'),
    /** When it was fired, missed or cancelled. */
    settledAt: instant('settled_at'),
    /** Fired after its time (the worker was down), within the grace period. */
    late: boolean('late').notNull().default(false),
  },
  (t) => [
    // Each member's own: two members may both be reminded at nine.
    unique('unique_reminder_per_user_task_time').on(t.taskId, t.userId, t.remindAt),
    index('idx_reminders_remind_at').on(t.remindAt),
    // The worker's claim: due and still pending.
    index('idx_reminders_pending_due')
      .on(t.remindAt)
      .where(sql`${t.status} = 'pending'`),
    index('idx_reminders_task').on(t.taskId),
    check('reminders_status', sql`${t.status} in ('pending', 'fired', 'missed', 'cancelled')`),
    check('reminders_offset_positive', sql`${t.offsetSeconds} is null or ${t.offsetSeconds} >= 0`),
    index('idx_reminders_user_notified')
      .on(t.userId, t.notified)
      .where(sql`${t.notified} = false`),
  ],
);

/**
 * The transactional outbox and the event store in one: every change appends its events here in
 * its own transaction; the relay publishes rows with no `published_at`; rows are kept for replay.
 */
export const events = pgTable(
  'events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    eventId: uuid('event_id').notNull().unique(),
    eventType: text('event_type').notNull(),
    topic: text('topic').notNull(),
    userId: text('user_id').notNull(),
    aggregateId: text('aggregate_id').notNull(),
    aggregateVersion: integer('aggregate_version').notNull(),
    correlationId: text('correlation_id').notNull(),
    occurredAt: instant('occurred_at').notNull(),
    envelopeVersion: smallint('envelope_version').notNull(),
    data: jsonb('data').notNull(),
    /** The envelope's `audience` (whose sockets receive it), when not `user_id` alone. */
    audience: text('audience').array(),
    publishedAt: instant('published_at'),
  },
  (t) => [
    index('idx_events_unpublished')
      .on(t.seq)
      .where(sql`${t.publishedAt} is null`),
    // A user's history (replay, resume); seq gives the global order.
    index('idx_events_user_seq').on(t.userId, t.seq),
    // One aggregate's history in order: `replay verify` walks the store in (aggregate_id, seq)
    // order with a keyset, so it folds one task at a time in constant memory.
    index('idx_events_aggregate_seq').on(t.aggregateId, t.seq),
    // `replay --since <time>`: occurred_at grows with seq, so a BRIN index is tiny and nearly
    // free to maintain on the hot insert path, unlike a B-tree.
    index('idx_events_occurred_at').using('brin', t.occurredAt),
  ],
);

/**
 * POST requests already answered, keyed by the client's Idempotency-Key. Written in the same
 * transaction as the change, so a retry can never create twice.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: text('user_id').notNull(),
    key: varchar('key', { length: 255 }).notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    response: jsonb('response'),
    createdAt: instant('created_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.key] }),
    index('idx_idempotency_created').on(t.createdAt),
  ],
);
