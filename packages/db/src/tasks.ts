import { and, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import type { EventEnvelope, Task } from '@taskflow/contracts';
import { tasks } from './schema.ts';
import { driverOf, type Executor } from './client.ts';
import type { TaskRow } from './rows.ts';
import { EVENT_COLUMNS, EVENT_RECORD, eventRecordsJson } from './event-records.ts';

/** A task as it is born, with its `task.created` event. */
export interface CreatedTask {
  task: Task;
  event: EventEnvelope;
}

/**
 * Creates the users (first use), the tasks and their events in ONE statement, however many: one
 * round trip, atomic without an explicit transaction. Each task arrives fully built (id, clock,
 * version) so that its event could be built first. Tasks and events travel as two json
 * parameters and the statement's text is fixed, so it is prepared once per connection: this is
 * the hottest write there is, and task-api gathers concurrent creates into one call.
 */
export async function insertTasksWithEvents(ex: Executor, created: CreatedTask[]): Promise<void> {
  if (created.length === 0) return;
  await driverOf(ex).unsafe(INSERT_TASKS_WITH_EVENTS, [
    JSON.stringify(created.map(({ task }) => task)),
    eventRecordsJson(created.map(({ event }) => event)),
  ]);
}

/** insertTasksWithEvents for one task. */
export async function insertTaskWithEvent(
  ex: Executor,
  task: Task,
  event: EventEnvelope,
): Promise<void> {
  await insertTasksWithEvents(ex, [{ task, event }]);
}

const TASK_COLUMNS = `id, user_id, title, description, completed, completed_at, due_date,
  recurrence_rule, is_recurring, next_occurrence, time_zone, recurrence_mode, series_start,
  series_id, occurrence_at, version, created_at, updated_at`;

const INSERT_TASKS_WITH_EVENTS = `
  with new_tasks as (
    select * from json_to_recordset($1::json) as t(id uuid, user_id text, title text,
      description text, completed boolean, completed_at timestamptz, due_date timestamptz,
      recurrence_rule text, is_recurring boolean, next_occurrence timestamptz, time_zone text,
      recurrence_mode text, series_start timestamptz, series_id uuid, occurrence_at timestamptz,
      version integer, created_at timestamptz, updated_at timestamptz)
  ),
  new_users as (
    insert into users (id) select distinct user_id from new_tasks on conflict do nothing
  ),
  inserted_tasks as (insert into tasks (${TASK_COLUMNS}) select ${TASK_COLUMNS} from new_tasks)
  insert into events (${EVENT_COLUMNS})
  select * from json_to_recordset($2::json) as e(${EVENT_RECORD})`;

/** The user's task; `forUpdate` locks it until the transaction ends. */
export async function findTask(
  ex: Executor,
  userId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<TaskRow | undefined> {
  const query = ex
    .select()
    .from(tasks)
    .where(and(eq(tasks.id, id), eq(tasks.userId, userId)));
  const [row] = await (options.forUpdate ? query.for('update') : query);
  return row;
}

export interface TaskFilter {
  completed?: boolean;
  recurring?: boolean;
  dueBefore?: Date;
  dueAfter?: Date;
  /** Keyset position: list what comes after this task in (created_at desc, id desc) order. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** The user's tasks, newest first. */
export async function listTasks(
  ex: Executor,
  userId: string,
  filter: TaskFilter,
): Promise<TaskRow[]> {
  const conditions: (SQL | undefined)[] = [eq(tasks.userId, userId)];
  if (filter.completed !== undefined) conditions.push(eq(tasks.completed, filter.completed));
  if (filter.recurring !== undefined) conditions.push(eq(tasks.isRecurring, filter.recurring));
  if (filter.dueBefore) conditions.push(lt(tasks.dueDate, filter.dueBefore));
  if (filter.dueAfter) conditions.push(gt(tasks.dueDate, filter.dueAfter));
  if (filter.after) {
    const { createdAt, id } = filter.after;
    conditions.push(
      or(lt(tasks.createdAt, createdAt), and(eq(tasks.createdAt, createdAt), lt(tasks.id, id))),
    );
  }
  return ex
    .select()
    .from(tasks)
    .where(and(...conditions))
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(filter.limit);
}

/** The editable fields of a task; `undefined` leaves a field as it is. */
export interface TaskChanges {
  title?: string;
  description?: string | null;
  dueDate?: Date | null;
  completed?: boolean;
}

/**
 * Applies the changes and bumps the version. Completing stamps `completed_at`, reopening clears
 * it. The caller has checked ownership and version under a lock (`findTask(..., forUpdate)`).
 */
export async function updateTask(ex: Executor, id: string, changes: TaskChanges): Promise<TaskRow> {
  const [row] = await ex
    .update(tasks)
    .set({
      title: changes.title,
      description: changes.description,
      dueDate: changes.dueDate,
      completed: changes.completed,
      completedAt:
        changes.completed === undefined ? undefined : changes.completed ? sql`now()` : null,
      version: sql`${tasks.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(eq(tasks.id, id))
    .returning();
  return row!;
}

/** Deletes the task; returns it as it stood, with the deletion's version. */
export async function deleteTask(ex: Executor, id: string): Promise<TaskRow> {
  const [row] = await ex.delete(tasks).where(eq(tasks.id, id)).returning();
  return { ...row!, version: row!.version + 1, updatedAt: new Date() };
}
