import { sql } from 'drizzle-orm';
import type { Executor } from './client.ts';
import { epochMs } from './instant.ts';
import { projectHeld } from './project-locks.ts';

// The reminder-worker's writes. Every one claims its rows with FOR UPDATE SKIP LOCKED and takes
// a share lock on the task (SKIP LOCKED too): any number of workers run them side by side, none
// waits for another, and none acts on a task that task-api is changing at that moment (a
// due-date move or a completion holds the task FOR UPDATE; its reminders wait for the next tick).
// Instants come back as epoch milliseconds: drizzle's postgres-js driver leaves timestamps of
// raw queries as Postgres text, whose format depends on the session.

export interface ClaimPolicy {
  /** A reminder older than this is missed, not fired. */
  graceSeconds: number;
  /** A reminder fired more than this after its time is marked late. */
  lateSeconds: number;
  /** Most reminders per call: bounds the transaction and the time its rows stay locked. */
  limit: number;
}

/** A reminder this call fired, with what its `reminder.triggered` event carries. */
export interface FiredReminder {
  id: string;
  taskId: string;
  userId: string;
  title: string;
  remindAt: Date;
  dueDate: Date | null;
  late: boolean;
  /** The task's project: its members are the reminder's audience. */
  projectId: string | null;
  /** The database's clock when it fired (the transaction's start). */
  firedAt: Date;
}

type FiredRow = {
  id: string;
  task_id: string;
  user_id: string;
  title: string;
  remind_at_ms: number;
  due_date_ms: number | null;
  late: boolean;
  project_id: string | null;
  fired_at_ms: number;
};

/**
 * Marks up to `limit` due reminders fired: time reached, still pending, within the grace
 * period, task open. Call it in the transaction that appends their events: the claim and the
 * events commit together or not at all, so each reminder fires exactly once.
 */
export async function fireDueReminders(
  ex: Executor,
  policy: ClaimPolicy,
): Promise<FiredReminder[]> {
  const rows = await ex.execute<FiredRow>(sql`
    with due as (
      select r.id
      from reminders r join tasks t on t.id = r.task_id
      where r.status = 'pending'
        and r.remind_at <= now()
        and r.remind_at >= now() - make_interval(secs => ${policy.graceSeconds}::float8)
        and not t.completed
        and ${projectHeld(sql`t.project_id`)}
      order by r.remind_at
      limit ${policy.limit}
      for update of r skip locked
      for share of t skip locked
    )
    update reminders r
    set status = 'fired', notified = true, settled_at = now(),
      late = r.remind_at < now() - make_interval(secs => ${policy.lateSeconds}::float8)
    from due, tasks t
    where r.id = due.id and t.id = r.task_id
    returning r.id, r.task_id, r.user_id, t.title, r.late, t.project_id,
      ${epochMs(sql`r.remind_at`)} as remind_at_ms,
      ${epochMs(sql`t.due_date`)} as due_date_ms,
      ${epochMs(sql`now()`)} as fired_at_ms`);
  return [...rows].map((row) => ({
    id: row.id,
    taskId: row.task_id,
    userId: row.user_id,
    title: row.title,
    remindAt: new Date(row.remind_at_ms),
    dueDate: row.due_date_ms === null ? null : new Date(row.due_date_ms),
    late: row.late,
    projectId: row.project_id,
    firedAt: new Date(row.fired_at_ms),
  }));
}

/**
 * Settles, without firing, up to `limit` due reminders that must never fire: those of a
 * completed task become cancelled (the worker's task.completed handler may not have run yet),
 * those older than the grace period become missed.
 */
export async function settleUnfireableReminders(
  ex: Executor,
  policy: Pick<ClaimPolicy, 'graceSeconds' | 'limit'>,
): Promise<{ missed: number; cancelled: number }> {
  const rows = await ex.execute<{ status: 'missed' | 'cancelled' }>(sql`
    with stuck as (
      select r.id, t.completed
      from reminders r join tasks t on t.id = r.task_id
      where r.status = 'pending'
        and r.remind_at <= now()
        and (t.completed
          or r.remind_at < now() - make_interval(secs => ${policy.graceSeconds}::float8))
      order by r.remind_at
      limit ${policy.limit}
      for update of r skip locked
      for share of t skip locked
    )
    update reminders r
    set status = case when stuck.completed then 'cancelled' else 'missed' end,
      notified = true, settled_at = now()
    from stuck
    where r.id = stuck.id
    returning r.status`);
  return tally([...rows]);
}

/**
 * Brings a task's reminders in line with the task as it stands NOW, whatever event prompted
 * it: completed -> its pending reminders are cancelled; open -> its cancelled reminders still
 * ahead are pending again (a reopened task). Reading the current state rather than the event
 * makes it idempotent and indifferent to the order events arrive in. A deleted task has no
 * reminders left (cascade): nothing happens.
 */
export async function reconcileTaskReminders(
  ex: Executor,
  taskId: string,
): Promise<{ cancelled: number; rearmed: number }> {
  const rows = await ex.execute<{ status: 'pending' | 'cancelled' }>(sql`
    update reminders r
    set status = case when t.completed then 'cancelled' else 'pending' end,
      notified = t.completed,
      settled_at = case when t.completed then now() else null end
    from (select id, completed from tasks where id = ${taskId} for share) t
    where r.task_id = t.id
      and ((t.completed and r.status = 'pending')
        or (not t.completed and r.status = 'cancelled' and r.remind_at > now()))
    returning r.status`);
  const { cancelled, pending } = tally([...rows]);
  return { cancelled, rearmed: pending };
}

function tally<S extends string>(rows: Array<{ status: S }>) {
  const counts = { missed: 0, cancelled: 0, pending: 0 };
  for (const { status } of rows) counts[status as keyof typeof counts]++;
  return counts;
}

/** Pending reminders whose time has come (workers behind or down); for a gauge. */
export async function dueReminderBacklog(ex: Executor): Promise<number> {
  const [row] = await ex.execute<{ due: number }>(
    sql`select count(*)::int as due from reminders where status = 'pending' and remind_at <= now()`,
  );
  return row?.due ?? 0;
}

/**
 * Milliseconds, by the database's clock, until the next pending reminder, if one falls within
 * `withinMs`: the worker sleeps until then and fires it on the dot instead of at the next tick.
 */
export async function msUntilNextReminder(
  ex: Executor,
  withinMs: number,
): Promise<number | undefined> {
  const [row] = await ex.execute<{ ms: number | null }>(sql`
    select (extract(epoch from min(remind_at) - now()) * 1000)::float8 as ms
    from reminders
    where status = 'pending' and remind_at > now()
      and remind_at <= now() + make_interval(secs => ${withinMs / 1000}::float8)`);
  return row?.ms ?? undefined;
}
