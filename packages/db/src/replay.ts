import {
  and,
  asc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  like,
  lte,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import { events, projects, tasks } from './schema.ts';
import type { Database, Executor, Tx } from './client.ts';
import type { EventRow } from './events.ts';
import { taskColumns, type TaskRow } from './rows.ts';

// The queries of `pnpm replay` (packages/replay): reading the event store back, in bounded
// batches, to verify the `tasks`, `projects` and `project_members` tables against it or to
// publish history again. (The rows of projects by id: projectsByIds in projects.ts.)

/**
 * Runs `work` on one consistent, read-only snapshot of the database (REPEATABLE READ): a verify
 * that reads events and tasks in many batches must not see a write land between two of them,
 * or it would report a difference that never existed.
 */
export async function readSnapshot<T>(
  database: Database,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return database.db.transaction(work, {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
}

/** A stored event of a task or a project aggregate, as `replay verify` folds it. */
export interface StoredAggregateEvent {
  seq: number;
  eventId: string;
  eventType: string;
  userId: string;
  aggregateId: string;
  aggregateVersion: number;
  data: unknown;
}

/** A position in (aggregate_id, seq) order. */
export interface AggregatePosition {
  aggregateId: string;
  seq: number;
}

/**
 * Task events are the only ones that change `tasks`, project events the only ones that change
 * `projects` and `project_members` (see packages/replay/README.md).
 */
const TASK_EVENTS = 'task.%';
const PROJECT_EVENTS = 'project.%';

/**
 * The next `limit` task and project events in (aggregate_id, seq) order after `after`: each
 * aggregate's history in a row, in the order it was written. A keyset on
 * idx_events_aggregate_seq, so every batch costs the same however deep into the store it starts.
 * Both kinds in one walk: event_type has no index, so a walk per kind would read the whole
 * table once per kind.
 */
export async function stateEventsByAggregate(
  ex: Executor,
  options: { after?: AggregatePosition | undefined; userId?: string | undefined; limit: number },
): Promise<StoredAggregateEvent[]> {
  const conditions: SQL[] = [
    or(like(events.eventType, TASK_EVENTS), like(events.eventType, PROJECT_EVENTS))!,
  ];
  if (options.userId !== undefined) conditions.push(eq(events.userId, options.userId));
  if (options.after) {
    const { aggregateId, seq } = options.after;
    conditions.push(sql`(${events.aggregateId}, ${events.seq}) > (${aggregateId}, ${seq})`);
  }
  return ex
    .select({
      seq: events.seq,
      eventId: events.eventId,
      eventType: events.eventType,
      userId: events.userId,
      aggregateId: events.aggregateId,
      aggregateVersion: events.aggregateVersion,
      data: events.data,
    })
    .from(events)
    .where(and(...conditions))
    .orderBy(asc(events.aggregateId), asc(events.seq))
    .limit(options.limit);
}

/** The rows of these tasks, whoever owns them (ids must be UUIDs). */
export async function tasksByIds(ex: Executor, ids: string[]): Promise<TaskRow[]> {
  if (ids.length === 0) return [];
  return ex.select(taskColumns).from(tasks).where(inArray(tasks.id, ids));
}

/** Which of these aggregates have a `task.deleted` event. */
export async function deletedAggregates(ex: Executor, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ex
    .selectDistinct({ id: events.aggregateId })
    .from(events)
    .where(and(inArray(events.aggregateId, ids), eq(events.eventType, 'task.deleted')));
  return new Set(rows.map((row) => row.id));
}

export interface RowPage {
  /** How many rows of the table this page covered. */
  scanned: number;
  /** The last id covered; undefined when the table had nothing after `after`. */
  lastId: string | undefined;
  /** The ids of the page that no event of the table's kind mentions. */
  withoutEvents: string[];
}

interface PageOptions {
  after?: string | undefined;
  userId?: string | undefined;
  limit: number;
}

/**
 * The next `limit` rows of `tasks` in id order, and which of them have no task event at all
 * (a row the event store knows nothing of). With `userId`, only that user's rows, and only
 * that user's events count: a row moved to another user is not theirs by the events.
 */
export const taskPageWithoutEvents = (ex: Executor, options: PageOptions) =>
  pageWithoutEvents(ex, tasks, tasks.userId, TASK_EVENTS, options);

/**
 * The same for `projects`: rows no project event mentions. A project's events are keyed by its
 * creator, so with `userId` these are the projects that user created.
 */
export const projectPageWithoutEvents = (ex: Executor, options: PageOptions) =>
  pageWithoutEvents(ex, projects, projects.createdBy, PROJECT_EVENTS, options);

async function pageWithoutEvents(
  ex: Executor,
  table: typeof tasks | typeof projects,
  owner: typeof tasks.userId | typeof projects.createdBy,
  eventTypes: string,
  options: PageOptions,
): Promise<RowPage> {
  const conditions: SQL[] = [];
  if (options.after !== undefined) conditions.push(gt(table.id, options.after));
  if (options.userId !== undefined) conditions.push(eq(owner, options.userId));
  const sameUser = options.userId === undefined ? sql`` : sql`and e.user_id = ${owner}`;
  const rows = await ex
    .select({
      id: table.id,
      hasEvents: sql<boolean>`exists (select 1 from events e
        where e.aggregate_id = ${table.id}::text and e.event_type like ${eventTypes} ${sameUser})`,
    })
    .from(table)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(table.id))
    .limit(options.limit);
  return {
    scanned: rows.length,
    lastId: rows.at(-1)?.id,
    withoutEvents: rows.filter((row) => !row.hasEvents).map((row) => row.id),
  };
}

/** The `seq` of the first event that occurred at or after `instant` (BRIN on occurred_at). */
export async function firstSeqAtOrAfter(ex: Executor, instant: Date): Promise<number | undefined> {
  // `+ 0` keeps the planner from turning min(seq) into "walk the primary key from the oldest
  // event until one is recent enough", which for "the last hour" of a year reads the year.
  const [row] = await ex
    .select({ seq: sql<string | null>`min(${events.seq} + 0)` })
    .from(events)
    .where(gte(events.occurredAt, instant));
  return row?.seq == null ? undefined : Number(row.seq);
}

/** The `seq` of one event, by its id. */
export async function seqOfEvent(ex: Executor, eventId: string): Promise<number | undefined> {
  const [row] = await ex
    .select({ seq: events.seq })
    .from(events)
    .where(eq(events.eventId, eventId));
  return row?.seq;
}

/** The newest event's seq; 0 for an empty store. */
export async function lastSeq(ex: Executor): Promise<number> {
  const [row] = await ex.select({ seq: sql<string | null>`max(${events.seq})` }).from(events);
  return row?.seq == null ? 0 : Number(row.seq);
}

/** Which stored events `replay republish` sends. */
export interface RepublishFilter {
  /** Events from this seq on. */
  fromSeq: number;
  /**
   * Up to this seq (the newest when the run began): events appended meanwhile are the relay's
   * to publish, and a republish of "the last hour" must end while traffic goes on.
   */
  toSeq: number;
  /** With `--since <time>`: only events that occurred at or after it. */
  occurredFrom?: Date | undefined;
  userId?: string | undefined;
  topic?: string | undefined;
}

function republishConditions(filter: RepublishFilter, afterSeq: number): SQL[] {
  const conditions: SQL[] = [
    gt(events.seq, Math.max(afterSeq, filter.fromSeq - 1)),
    lte(events.seq, filter.toSeq),
    // Only what the relay has published: the rest is still on its way and will go out anyway.
    isNotNull(events.publishedAt),
  ];
  if (filter.occurredFrom) conditions.push(gte(events.occurredAt, filter.occurredFrom));
  if (filter.userId !== undefined) conditions.push(eq(events.userId, filter.userId));
  if (filter.topic !== undefined) conditions.push(eq(events.topic, filter.topic));
  return conditions;
}

/** The next `limit` events to republish after `afterSeq`, in seq order. */
export async function eventsToRepublish(
  ex: Executor,
  filter: RepublishFilter,
  afterSeq: number,
  limit: number,
): Promise<EventRow[]> {
  return ex
    .select()
    .from(events)
    .where(and(...republishConditions(filter, afterSeq)))
    .orderBy(asc(events.seq))
    .limit(limit);
}

/** How many events are left to republish after `afterSeq`: the denominator of the ETA. */
export async function countEventsToRepublish(
  ex: Executor,
  filter: RepublishFilter,
  afterSeq: number,
): Promise<number> {
  const [row] = await ex
    .select({ n: sql<string>`count(*)` })
    .from(events)
    .where(and(...republishConditions(filter, afterSeq)));
  return Number(row?.n ?? 0);
}
