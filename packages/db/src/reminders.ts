import { and, asc, count, eq, gt, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { ListedStatus, PendingReminder, Reminder, ReminderStatus } from '@taskflow/contracts';
import { reminders, tasks } from './schema.ts';
import type { Executor } from './client.ts';

// The queries of task-api's reminder routes and of due-date changes. What the reminder-worker
// runs is in reminder-claims.ts.

export type ReminderRow = typeof reminders.$inferSelect;
export type PendingReminderRow = ReminderRow & { taskTitle: string; taskDueDate: Date | null };

/** A reminder row as the wire sees it. */
export function toReminder(row: ReminderRow): Reminder {
  return {
    id: row.id,
    task_id: row.taskId,
    remind_at: row.remindAt.toISOString(),
    minutes_before: row.offsetSeconds === null ? null : Math.round(row.offsetSeconds / 60),
    status: row.status as ReminderStatus,
    late: row.late,
    settled_at: row.settledAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

export function toPendingReminder(row: PendingReminderRow): PendingReminder {
  return {
    ...toReminder(row),
    task_title: row.taskTitle,
    task_due_date: row.taskDueDate?.toISOString() ?? null,
  };
}

export interface NewReminder {
  taskId: string;
  userId: string;
  remindAt: Date;
  /** null for an absolute reminder. */
  offsetSeconds: number | null;
}

/**
 * Adds a pending reminder. Resolves undefined when the user already has one on the task at that
 * instant (`unique_reminder_per_user_task_time`): the caller answers 409, nothing is written.
 */
export async function insertReminder(
  ex: Executor,
  reminder: NewReminder,
): Promise<ReminderRow | undefined> {
  const [row] = await ex
    .insert(reminders)
    .values(reminder)
    .onConflictDoNothing({ target: [reminders.taskId, reminders.userId, reminders.remindAt] })
    .returning();
  return row;
}

/** The user's reminders on the task (a shared task's reminders are each member's own). */
export async function countTaskReminders(
  ex: Executor,
  taskId: string,
  userId: string,
): Promise<number> {
  const [row] = await ex
    .select({ n: count() })
    .from(reminders)
    .where(and(eq(reminders.taskId, taskId), eq(reminders.userId, userId)));
  return row?.n ?? 0;
}

/** The user's reminders on the task, earliest first. */
export async function taskReminders(
  ex: Executor,
  userId: string,
  taskId: string,
): Promise<ReminderRow[]> {
  return ex
    .select()
    .from(reminders)
    .where(and(eq(reminders.taskId, taskId), eq(reminders.userId, userId)))
    .orderBy(asc(reminders.remindAt), asc(reminders.id));
}

export async function findReminder(
  ex: Executor,
  userId: string,
  taskId: string,
  reminderId: string,
): Promise<ReminderRow | undefined> {
  const [row] = await ex
    .select()
    .from(reminders)
    .where(
      and(eq(reminders.id, reminderId), eq(reminders.taskId, taskId), eq(reminders.userId, userId)),
    );
  return row;
}

/** Deletes one reminder of the user's task, whatever its status; false when there is none. */
export async function deleteReminder(
  ex: Executor,
  userId: string,
  taskId: string,
  reminderId: string,
): Promise<boolean> {
  const deleted = await ex
    .delete(reminders)
    .where(
      and(eq(reminders.id, reminderId), eq(reminders.taskId, taskId), eq(reminders.userId, userId)),
    )
    .returning({ id: reminders.id });
  return deleted.length > 0;
}

export interface PendingFilter {
  statuses: ListedStatus[];
  /** Keyset position: list what comes after this reminder in (remind_at, id) order. */
  after?: { remindAt: Date; id: string };
  limit: number;
}

/**
 * The user's reminders of open tasks in the given statuses, earliest first, across tasks. A
 * completed task's reminders are left out even before the worker has cancelled them.
 */
export async function listPendingReminders(
  ex: Executor,
  userId: string,
  filter: PendingFilter,
): Promise<PendingReminderRow[]> {
  const conditions = [
    eq(reminders.userId, userId),
    inArray(reminders.status, filter.statuses),
    eq(tasks.completed, false),
  ];
  if (filter.after) {
    const { remindAt, id } = filter.after;
    conditions.push(
      or(
        gt(reminders.remindAt, remindAt),
        and(eq(reminders.remindAt, remindAt), gt(reminders.id, id)),
      )!,
    );
  }
  const rows = await ex
    .select({ reminder: reminders, taskTitle: tasks.title, taskDueDate: tasks.dueDate })
    .from(reminders)
    .innerJoin(tasks, eq(tasks.id, reminders.taskId))
    .where(and(...conditions))
    .orderBy(asc(reminders.remindAt), asc(reminders.id))
    .limit(filter.limit);
  return rows.map(({ reminder, taskTitle, taskDueDate }) => ({
    ...reminder,
    taskTitle,
    taskDueDate,
  }));
}

/**
 * The task's relative reminders that follow its due date (pending, and cancelled ones that a
 * reopen would re-arm), locked until the transaction ends. Fired and missed ones are history.
 */
export async function lockMovableReminders(ex: Executor, taskId: string): Promise<ReminderRow[]> {
  return ex
    .select()
    .from(reminders)
    .where(
      and(
        eq(reminders.taskId, taskId),
        isNotNull(reminders.offsetSeconds),
        inArray(reminders.status, ['pending', 'cancelled']),
      ),
    )
    .for('update');
}

export interface ReminderMoves {
  /** Reminders to delete. */
  remove: string[];
  /** Reminders to give a new time, as locked by lockMovableReminders. */
  move: Array<{ row: ReminderRow; remindAt: Date }>;
}

/**
 * Applies a due-date change to the locked reminders. Moves are a delete and a re-insert (same
 * id, status and creation time), not an UPDATE: the unique (task_id, remind_at) constraint is
 * checked row by row, so shifting 10 and 20 minutes before by +10 minutes in one UPDATE could
 * collide with a row not yet moved. A moved reminder that lands on the instant of a reminder
 * that stays (an absolute or fired one) is merged into it; returns how many were merged.
 */
export async function applyReminderMoves(
  ex: Executor,
  moves: ReminderMoves,
): Promise<{ merged: number }> {
  const ids = [...moves.remove, ...moves.move.map(({ row }) => row.id)];
  if (ids.length === 0) return { merged: 0 };
  await ex.delete(reminders).where(inArray(reminders.id, ids));
  if (moves.move.length === 0) return { merged: 0 };
  const inserted = await ex
    .insert(reminders)
    .values(moves.move.map(({ row, remindAt }) => ({ ...row, remindAt })))
    .onConflictDoNothing({ target: [reminders.taskId, reminders.userId, reminders.remindAt] })
    .returning({ id: reminders.id });
  return { merged: moves.move.length - inserted.length };
}

/**
 * Deletes the reminders of users who can no longer see their task: those of a member removed
 * from the project (`projectId` and `userId`), or those on a task moved out of a project the
 * setter does not share (`taskId`). Deleted, not cancelled: a reopened task must not re-arm
 * them. Returns how many went.
 */
export async function deleteUnseenReminders(
  ex: Executor,
  scope: { taskId: string } | { projectId: string; userId: string },
): Promise<number> {
  const inScope =
    'taskId' in scope
      ? sql`r.task_id = ${scope.taskId}`
      : sql`t.project_id = ${scope.projectId} and r.user_id = ${scope.userId}`;
  const rows = await ex.execute(sql`
    delete from reminders r using tasks t
    where t.id = r.task_id and ${inScope}
      and not ((t.project_id is null and t.user_id = r.user_id)
        or exists (select 1 from project_members m
          where m.project_id = t.project_id and m.user_id = r.user_id))
    returning r.id`);
  return rows.length;
}
