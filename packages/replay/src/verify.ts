import type { z } from 'zod';
import { Project, PROJECT_MEMBERS_MAX, Task, Uuid } from '@taskflow/contracts';
import {
  deletedAggregates,
  projectPageWithoutEvents,
  projectsByIds,
  readSnapshot,
  stateEventsByAggregate,
  taskPageWithoutEvents,
  tasksByIds,
  toTask,
  type AggregatePosition,
  type Database,
  type Executor,
  type RowPage,
} from '@taskflow/db';
import { compareMembers, compareProject, compareTask } from './compare.ts';
import type { Difference, DifferenceKind } from './differences.ts';
import { DIFFERENCE_KINDS, isProjectDifference } from './differences.ts';
import {
  foldEvent,
  kindOfEvent,
  membersOfState,
  type AggregateFold,
  type AggregateKind,
} from './fold.ts';

export interface VerifyOptions {
  /** Only this user's events and rows: their tasks, and the projects they created. */
  userId?: string | undefined;
  /**
   * Rows per query: events per read, rows per lookup (a project's members count as rows).
   * Bounds memory.
   */
  batchSize: number;
  /** Called for each difference as soon as it is found: nothing is kept. */
  onDifference(difference: Difference): void;
  onProgress?(progress: VerifyProgress): void;
}

export interface VerifyProgress {
  phase: 'events' | 'rows';
  /** Task and project events read. */
  events: number;
  tasks: number;
  projects: number;
  /** Rows of `tasks` and `projects` looked at for ones no event mentions. */
  rowsScanned: number;
  differences: number;
  elapsedMs: number;
}

/** One kind of aggregate's part of a run. */
export interface AggregateSummary {
  events: number;
  /** Aggregates folded. */
  folded: number;
  live: number;
  deleted: number;
  /** Rows compared field by field with their folded state. */
  rowsCompared: number;
  /** Rows of the table looked at for ones no event mentions. */
  rowsScanned: number;
  /** Differences about this kind of aggregate (each also counted by kind). */
  differences: number;
}

export interface VerifySummary {
  tasks: AggregateSummary;
  projects: AggregateSummary & {
    /** Rows of `project_members` compared with the members the events list. */
    membersCompared: number;
  };
  differences: Record<DifferenceKind, number>;
  elapsedMs: number;
}

const emptySummary = (): AggregateSummary => ({
  events: 0,
  folded: 0,
  live: 0,
  deleted: 0,
  rowsCompared: 0,
  rowsScanned: 0,
  differences: 0,
});

type Report = (difference: Difference) => void;

interface Run {
  options: VerifyOptions;
  summary: VerifySummary;
  report: Report;
}

/**
 * Folds the event store (or one user's part of it) into a fresh projection and compares it with
 * the `tasks`, `projects` and `project_members` tables, in one read-only snapshot and in
 * constant memory:
 *
 * 1. Task and project events are read in (aggregate_id, seq) order, `batchSize` at a time, by a
 *    keyset on idx_events_aggregate_seq. Each aggregate's history is contiguous in that order,
 *    so only the one being folded is held; a finished one waits in a list of its kind until
 *    about a batch of rows is due, then their rows are fetched by primary key and compared. A
 *    project weighs its row and its members' rows (at most PROJECT_MEMBERS_MAX).
 * 2. `tasks`, then `projects`, are walked by primary key, `batchSize` rows at a time, for rows
 *    that no event of their kind mentions (an anti-join on the same index); only those rows are
 *    fetched.
 *
 * Memory is O(batchSize) whatever the store's size; each query is an index range scan.
 */
export async function verifyStore(
  database: Database,
  options: VerifyOptions,
): Promise<VerifySummary> {
  const started = performance.now();
  const summary: VerifySummary = {
    tasks: emptySummary(),
    projects: { ...emptySummary(), membersCompared: 0 },
    differences: Object.fromEntries(DIFFERENCE_KINDS.map((kind) => [kind, 0])) as Record<
      DifferenceKind,
      number
    >,
    elapsedMs: 0,
  };
  const report: Report = (difference) => {
    summary.differences[difference.kind]++;
    summary[isProjectDifference(difference) ? 'projects' : 'tasks'].differences++;
    options.onDifference(difference);
  };
  const progress = (phase: VerifyProgress['phase']) =>
    options.onProgress?.({
      phase,
      events: summary.tasks.events + summary.projects.events,
      tasks: summary.tasks.folded,
      projects: summary.projects.folded,
      rowsScanned: summary.tasks.rowsScanned + summary.projects.rowsScanned,
      differences: summary.tasks.differences + summary.projects.differences,
      elapsedMs: performance.now() - started,
    });

  const run: Run = { options, summary, report };
  await readSnapshot(database, async (tx) => {
    await foldAndCompare(tx, run, () => progress('events'));
    for (const rows of [TASK_ROWS, PROJECT_ROWS]) {
      await findRowsWithoutEvents(tx, run, rows, () => progress('rows'));
    }
  });
  summary.elapsedMs = performance.now() - started;
  return summary;
}

/** Finished folds of one kind, waiting for their rows. */
interface Pending {
  folds: AggregateFold[];
  /** Rows their lookup reads. */
  weight: number;
}

const COMPARE: Record<
  AggregateKind,
  (tx: Executor, folds: AggregateFold[], run: Run) => Promise<void>
> = {
  task: compareTaskFolds,
  project: compareProjectFolds,
};

/** The rows a fold's lookup reads: a task's one, a project's one and its members'. */
const weightOf = (fold: AggregateFold) =>
  fold.kind === 'task' ? 1 : 1 + (membersOfState(fold.state)?.length ?? 0);

async function foldAndCompare(tx: Executor, run: Run, progress: () => void): Promise<void> {
  const { options, summary } = run;
  const pending: Record<AggregateKind, Pending> = {
    task: { folds: [], weight: 0 },
    project: { folds: [], weight: 0 },
  };
  const finish = (fold: AggregateFold) => {
    pending[fold.kind].folds.push(fold);
    pending[fold.kind].weight += weightOf(fold);
  };
  const flush = async (kind: AggregateKind, atLeast: number) => {
    if (pending[kind].weight < atLeast) return;
    await COMPARE[kind](tx, pending[kind].folds, run);
    pending[kind] = { folds: [], weight: 0 };
  };

  let current: AggregateFold | undefined;
  let after: AggregatePosition | undefined;
  for (;;) {
    const batch = await stateEventsByAggregate(tx, {
      after,
      userId: options.userId,
      limit: options.batchSize,
    });
    for (const event of batch) {
      if (current && current.aggregateId !== event.aggregateId) {
        finish(current);
        current = undefined;
      }
      current = foldEvent(current, event);
      summary[kindOfEvent(event.eventType) === 'project' ? 'projects' : 'tasks'].events++;
    }
    const last = batch.at(-1);
    if (last) after = { aggregateId: last.aggregateId, seq: last.seq };
    await flush('task', options.batchSize);
    await flush('project', options.batchSize);
    progress();
    if (batch.length < options.batchSize) break;
  }
  if (current) finish(current);
  await flush('task', 1);
  await flush('project', 1);
}

type Subject = { taskId: string; userId: string } | { projectId: string; userId: string };

const subjectOf = (fold: AggregateFold): Subject =>
  fold.kind === 'task'
    ? { taskId: fold.aggregateId, userId: fold.userId }
    : { projectId: fold.aggregateId, userId: fold.userId };

/**
 * What every fold gets, whatever its kind: its history's anomalies reported, then the row
 * judged against it. Returns the row when it is to be compared field by field.
 */
function settle<R extends { version: number }>(
  fold: AggregateFold,
  row: R | undefined,
  contract: z.ZodType,
  counts: AggregateSummary,
  report: Report,
): R | undefined {
  counts.folded++;
  const who = subjectOf(fold);
  for (const anomaly of fold.anomalies) report({ kind: 'history', ...who, ...anomaly });
  if (fold.moreAnomalies > 0) {
    report({ kind: 'history', ...who, message: `${fold.moreAnomalies} more anomalies` });
  }
  if (!Uuid.safeParse(fold.aggregateId).success) {
    report({
      kind: 'history',
      ...who,
      message: `${fold.kind} events whose aggregate id is no UUID`,
    });
    return undefined;
  }
  if (fold.deleted) {
    counts.deleted++;
    if (row) report({ kind: 'deleted', ...who, version: fold.version, rowVersion: row.version });
    return undefined;
  }
  counts.live++;
  const parsed = contract.safeParse(fold.state);
  if (!parsed.success) {
    report({
      kind: 'history',
      ...who,
      message: `the last event carries no valid ${fold.kind}: ${parsed.error.message}`,
    });
  }
  if (!row) {
    report({ kind: 'missing', ...who, version: fold.version });
    return undefined;
  }
  counts.rowsCompared++;
  return row;
}

const uuidsOf = (folds: AggregateFold[]) =>
  folds.map((fold) => fold.aggregateId).filter((id) => Uuid.safeParse(id).success);

/** Compares finished task folds with their rows: one primary-key lookup for all of them. */
async function compareTaskFolds(tx: Executor, folds: AggregateFold[], run: Run): Promise<void> {
  const rows = new Map((await tasksByIds(tx, uuidsOf(folds))).map((row) => [row.id, toTask(row)]));
  const goneSeries = await deletedAggregates(tx, referencedSeries(folds));
  for (const fold of folds) {
    const row = settle(fold, rows.get(fold.aggregateId), Task, run.summary.tasks, run.report);
    if (!row) continue;
    for (const difference of compareTask(expectedRow(fold, goneSeries), row)) {
      run.report({ kind: 'field', taskId: fold.aggregateId, userId: fold.userId, ...difference });
    }
  }
}

/**
 * Compares finished project folds with their rows and member sets: the project rows in one
 * lookup, their members in another. The members expected are the last event's, the very list
 * task-api wrote into it from `project_members` as the change committed.
 */
async function compareProjectFolds(tx: Executor, folds: AggregateFold[], run: Run): Promise<void> {
  const rows = new Map((await projectsByIds(tx, uuidsOf(folds))).map((row) => [row.id, row]));
  const counts = run.summary.projects;
  for (const fold of folds) {
    const row = settle(fold, rows.get(fold.aggregateId), Project, counts, run.report);
    if (!row) continue;
    const who = { projectId: fold.aggregateId, userId: fold.userId };
    for (const difference of compareProject(fold.state as Record<string, unknown>, row)) {
      run.report({ kind: 'field', ...who, ...difference });
    }
    counts.membersCompared += row.members.length;
    for (const difference of compareMembers(membersOfState(fold.state) ?? [], row.members)) {
      run.report({ ...who, ...difference });
    }
  }
}

/** The series ids that live instances point at. */
function referencedSeries(folds: AggregateFold[]): string[] {
  const ids = new Set<string>();
  for (const fold of folds) {
    const seriesId = (fold.state as { series_id?: unknown } | null)?.series_id;
    if (!fold.deleted && typeof seriesId === 'string') ids.add(seriesId);
  }
  return [...ids];
}

/**
 * The row the events call for. One effect has no event of its own: deleting a series sets its
 * instances' `series_id` to null (ON DELETE SET NULL, without touching their version), so an
 * instance whose series has a task.deleted is expected with `series_id` null.
 */
function expectedRow(fold: AggregateFold, goneSeries: Set<string>): Record<string, unknown> {
  const task = fold.state as Record<string, unknown>;
  const seriesId = task.series_id;
  return typeof seriesId === 'string' && goneSeries.has(seriesId)
    ? { ...task, series_id: null }
    : task;
}

/** A table walked for rows no event mentions. */
interface RowScan {
  kind: AggregateKind;
  page(
    tx: Executor,
    options: { after: string | undefined; userId: string | undefined; limit: number },
  ): Promise<RowPage>;
  /** The differences of these rows, fetched `batchSize` rows at a time at most. */
  unknown(tx: Executor, ids: string[], batchSize: number): Promise<Difference[]>;
}

const TASK_ROWS: RowScan = {
  kind: 'task',
  page: taskPageWithoutEvents,
  async unknown(tx, ids) {
    return (await tasksByIds(tx, ids)).map((row) => ({
      kind: 'unknown',
      taskId: row.id,
      userId: row.userId,
      rowVersion: row.version,
    }));
  },
};

const PROJECT_ROWS: RowScan = {
  kind: 'project',
  page: projectPageWithoutEvents,
  async unknown(tx, ids, batchSize) {
    // Each project comes with its members: a few projects per lookup keep it to a batch of rows.
    const perLookup = Math.max(1, Math.floor(batchSize / (1 + PROJECT_MEMBERS_MAX)));
    const differences: Difference[] = [];
    for (let i = 0; i < ids.length; i += perLookup) {
      for (const row of await projectsByIds(tx, ids.slice(i, i + perLookup))) {
        differences.push({
          kind: 'unknown',
          projectId: row.id,
          userId: row.created_by,
          rowVersion: row.version,
        });
      }
    }
    return differences;
  },
};

async function findRowsWithoutEvents(
  tx: Executor,
  run: Run,
  scan: RowScan,
  progress: () => void,
): Promise<void> {
  const { options } = run;
  const counts = scan.kind === 'task' ? run.summary.tasks : run.summary.projects;
  let after: string | undefined;
  for (;;) {
    const page = await scan.page(tx, { after, userId: options.userId, limit: options.batchSize });
    counts.rowsScanned += page.scanned;
    for (const difference of await scan.unknown(tx, page.withoutEvents, options.batchSize)) {
      run.report(difference);
    }
    progress();
    if (page.scanned < options.batchSize) return;
    after = page.lastId;
  }
}
