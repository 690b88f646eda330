import { and, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import type { EventEnvelope, Task } from '@taskflow/contracts';
import { tasks } from './schema.ts';
import { driverOf, type Executor } from './client.ts';
import type { TaskRow } from './rows.ts';
import { NEW_TASKS, TASK_COLUMNS } from './task-insert.ts';

/** A task as it is born, with its `task.created` event. */
export interface CreatedTask {
  task: Task;
  event: EventEnvelope;
}

/**
 * Creates the users (first use) and the tasks in ONE statement, without their events: for a
 * create inside the outbox's unit of work (`outbox.commit`), which appends the events it emits.
 * The creates that need no transaction of their own go through `outbox.createTasks`, whose one
 * statement writes the events too.
 */
export async function insertTasks(ex: Executor, created: Task[]): Promise<void> {
  if (created.length === 0) return;
  await driverOf(ex).unsafe(INSERT_TASKS, [JSON.stringify(created)]);
}

const INSERT_TASKS = `${NEW_TASKS}
  insert into tasks (${TASK_COLUMNS}) select ${TASK_COLUMNS} from new_tasks`;

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
