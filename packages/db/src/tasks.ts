import { and, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { topicOf, type EventEnvelope, type Task } from '@taskflow/contracts';
import { tasks } from './schema.ts';
import { driverOf, type Executor } from './client.ts';
import type { TaskRow } from './rows.ts';

/**
 * Creates the user (first use), the task and its `task.created` event in ONE statement: one round
 * trip, and atomic without an explicit transaction. The task arrives fully built (id, clock,
 * version) so that its event could be built first. The statement's text is fixed (written out
 * below, not built by drizzle per call): this is the hottest write there is.
 */
export async function insertTaskWithEvent(
  ex: Executor,
  task: Task,
  event: EventEnvelope,
): Promise<void> {
  await driverOf(ex).unsafe(INSERT_TASK_WITH_EVENT, [
    task.id,
    task.user_id,
    task.title,
    task.description,
    task.completed,
    task.completed_at,
    task.due_date,
    task.recurrence_rule,
    task.is_recurring,
    task.next_occurrence,
    task.time_zone,
    task.recurrence_mode,
    task.series_start,
    task.series_id,
    task.occurrence_at,
    task.version,
    task.created_at,
    task.updated_at,
    event.event_id,
    event.event_type,
    topicOf(event.event_type),
    event.aggregate_id,
    event.aggregate_version,
    event.correlation_id,
    event.timestamp,
    event.version,
    JSON.stringify(event.data),
  ]);
}

// $2, the user, is the new user, the task's owner and the event's user at once.
const INSERT_TASK_WITH_EVENT = `
  with new_user as (insert into users (id) values ($2) on conflict do nothing),
  new_task as (
    insert into tasks (id, user_id, title, description, completed, completed_at, due_date,
      recurrence_rule, is_recurring, next_occurrence, time_zone, recurrence_mode, series_start,
      series_id, occurrence_at, version, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
  )
  insert into events (event_id, event_type, topic, user_id, aggregate_id, aggregate_version,
    correlation_id, occurred_at, envelope_version, data)
  values ($19, $20, $21, $2, $22, $23, $24, $25, $26, $27::jsonb)`;

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
