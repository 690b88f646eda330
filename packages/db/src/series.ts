import { and, asc, desc, eq, isNotNull, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Task } from '@taskflow/contracts';
import { tasks } from './schema.ts';
import type { Executor } from './client.ts';
import { holdProject, projectHeld } from './project-locks.ts';
import { taskColumns, type TaskRow } from './rows.ts';
import { textArray } from './sql-arrays.ts';

/** The columns that make a task a series, as task-api computed them from a checked rule. */
export interface SeriesColumns {
  recurrenceRule: string;
  timeZone: string;
  recurrenceMode: 'schedule' | 'completion';
  seriesStart: Date;
  nextOccurrence: Date;
}

/**
 * Makes the task a series (or changes its rule) and bumps the version. The caller holds the
 * row lock (`findTask(..., { forUpdate: true })`) and appends the event in the same transaction.
 */
export async function setSeries(ex: Executor, id: string, series: SeriesColumns): Promise<TaskRow> {
  const [row] = await ex
    .update(tasks)
    .set({
      ...series,
      isRecurring: true,
      version: sql`${tasks.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(eq(tasks.id, id))
    .returning(taskColumns);
  return row!;
}

/**
 * Stops the series: no further instances. The rule, zone, mode and start stay as a record of
 * what it was (sending them again restarts it); instances already spawned are untouched.
 */
export async function stopSeries(ex: Executor, id: string): Promise<TaskRow> {
  const [row] = await ex
    .update(tasks)
    .set({
      isRecurring: false,
      nextOccurrence: null,
      version: sql`${tasks.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(eq(tasks.id, id))
    .returning(taskColumns);
  return row!;
}

/**
 * Series due at `now`, oldest first, locked until the transaction ends. Rows another scheduler
 * (or a user's edit) holds are skipped, so replicas share the work and never claim one twice.
 */
export async function claimDueSeries(ex: Executor, now: Date, limit: number): Promise<TaskRow[]> {
  return ex
    .select(taskColumns)
    .from(tasks)
    .where(
      and(
        eq(tasks.isRecurring, true),
        isNotNull(tasks.nextOccurrence),
        lte(tasks.nextOccurrence, now),
        projectHeld(sql`${tasks.projectId}`),
      ),
    )
    .orderBy(asc(tasks.nextOccurrence))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/**
 * Inserts spawned instances; one that already exists for its (series, occurrence) is left out
 * by the unique index, so a replayed spawn can never duplicate. Returns the ids inserted.
 */
export async function insertInstances(ex: Executor, instances: Task[]): Promise<Set<string>> {
  if (instances.length === 0) return new Set();
  const rows = instances.map(
    (t) =>
      sql`(${t.id}::uuid, ${t.user_id}, ${t.title}, ${t.description}, ${t.completed},
        ${t.completed_at}::timestamptz, ${t.due_date}::timestamptz, ${t.recurrence_rule},
        ${t.is_recurring}, ${t.next_occurrence}::timestamptz, ${t.time_zone}, ${t.recurrence_mode},
        ${t.series_start}::timestamptz, ${t.series_id}::uuid, ${t.occurrence_at}::timestamptz,
        ${t.priority}::smallint, ${textArray(t.tags)}, ${t.project_id}::uuid, ${t.version}::int,
        ${t.created_at}::timestamptz, ${t.updated_at}::timestamptz)`,
  );
  const inserted = await ex.execute<{ id: string }>(sql`
    insert into tasks (id, user_id, title, description, completed, completed_at, due_date,
      recurrence_rule, is_recurring, next_occurrence, time_zone, recurrence_mode, series_start,
      series_id, occurrence_at, priority, tags, project_id, version, created_at, updated_at)
    values ${sql.join(rows, sql`, `)}
    on conflict (series_id, occurrence_at) where series_id is not null do nothing
    returning id`);
  return new Set(inserted.map((row) => row.id));
}

/**
 * Writes the series' new schedule (next occurrence, whether it still recurs, version, clock)
 * exactly as built in the application, in one statement. The caller holds the rows' locks, so
 * the versions it computed are the ones stored, and emits the events in the same unit of work.
 */
export async function advanceSeries(ex: Executor, series: Task[]): Promise<void> {
  if (series.length === 0) return;
  const values = series.map(
    (s) =>
      sql`(${s.id}::uuid, ${s.next_occurrence}::timestamptz, ${s.is_recurring}::boolean,
        ${s.version}::int, ${s.updated_at}::timestamptz)`,
  );
  // On a table of any size the planner joins these VALUES by primary key (a nested loop of
  // index scans; checked with EXPLAIN on 200,000 rows).
  await ex.execute(sql`update tasks set next_occurrence = v.next_occurrence,
      is_recurring = v.is_recurring, version = v.version, updated_at = v.updated_at
    from (values ${sql.join(values, sql`, `)})
      as v(id, next_occurrence, is_recurring, version, updated_at)
    where tasks.id = v.id`);
}

/**
 * A series by id, whoever owns it, locked until the transaction ends; a project's series after
 * its project is held FOR SHARE, the order every writer keeps (project-locks.ts). A series moved
 * between the look and the lock is looked at again.
 */
export async function lockSeries(ex: Executor, id: string): Promise<TaskRow | undefined> {
  const lock = (where: SQL) =>
    ex
      .select(taskColumns)
      .from(tasks)
      .where(and(eq(tasks.id, id), where))
      .for('update');
  for (let attempt = 0; attempt < 3; attempt++) {
    const [own] = await lock(isNull(tasks.projectId));
    if (own) return own;
    const [seen] = await ex
      .select({ projectId: tasks.projectId })
      .from(tasks)
      .where(eq(tasks.id, id));
    if (!seen?.projectId) return undefined;
    await holdProject(ex, seen.projectId);
    const [row] = await lock(eq(tasks.projectId, seen.projectId));
    if (row) return row;
  }
  return undefined;
}

/** The series' instance for its latest occurrence, if any. */
export async function latestInstance(ex: Executor, seriesId: string): Promise<TaskRow | undefined> {
  const [row] = await ex
    .select(taskColumns)
    .from(tasks)
    .where(eq(tasks.seriesId, seriesId))
    .orderBy(desc(tasks.occurrenceAt))
    .limit(1);
  return row;
}

/** The series' instances, oldest occurrence first. */
export async function seriesInstances(ex: Executor, seriesId: string): Promise<TaskRow[]> {
  return ex
    .select(taskColumns)
    .from(tasks)
    .where(eq(tasks.seriesId, seriesId))
    .orderBy(asc(tasks.occurrenceAt));
}

/** Seconds by which the most overdue series is late at `now`; 0 when none is due. */
export async function dueSeriesLagSeconds(ex: Executor, now: Date): Promise<number> {
  const [row] = await ex
    .select({
      lag: sql<number>`coalesce(extract(epoch from ${now.toISOString()}::timestamptz - min(${tasks.nextOccurrence})), 0)::float8`,
    })
    .from(tasks)
    .where(and(eq(tasks.isRecurring, true), lte(tasks.nextOccurrence, now)));
  return Math.max(0, row?.lag ?? 0);
}
