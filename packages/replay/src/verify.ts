import { Task, Uuid } from '@taskflow/contracts';
import {
  deletedAggregates,
  readSnapshot,
  taskEventsByAggregate,
  taskPageWithoutEvents,
  tasksByIds,
  toTask,
  type AggregatePosition,
  type Database,
  type Executor,
} from '@taskflow/db';
import { compareTask } from './compare.ts';
import type { Difference, DifferenceKind } from './differences.ts';
import { foldEvent, type TaskFold } from './fold.ts';

export interface VerifyOptions {
  /** Only this user's events and rows. */
  userId?: string | undefined;
  /** Rows per query: events per read, tasks per lookup. Bounds memory. */
  batchSize: number;
  /** Called for each difference as soon as it is found: nothing is kept. */
  onDifference(difference: Difference): void;
  onProgress?(progress: VerifyProgress): void;
}

export interface VerifyProgress {
  phase: 'events' | 'rows';
  events: number;
  tasks: number;
  rowsScanned: number;
  differences: number;
  elapsedMs: number;
}

export interface VerifySummary {
  events: number;
  /** Task aggregates folded. */
  tasks: number;
  live: number;
  deleted: number;
  /** Rows compared field by field with their folded task. */
  rowsCompared: number;
  /** Rows of `tasks` looked at for ones no event mentions. */
  rowsScanned: number;
  differences: Record<DifferenceKind, number>;
  elapsedMs: number;
}

/**
 * Folds the event store (or one user's part of it) into a fresh projection and compares it with
 * the `tasks` table, in one read-only snapshot and in constant memory:
 *
 * 1. Task events are read in (aggregate_id, seq) order, `batchSize` at a time, by a keyset on
 *    idx_events_aggregate_seq. Each task's history is contiguous in that order, so only the task
 *    being folded is held; a finished one waits in a list of at most ~2 x batchSize until its
 *    rows are fetched by primary key, `batchSize` ids per query, and compared.
 * 2. `tasks` is walked by primary key, `batchSize` rows at a time, for rows that no task event
 *    mentions (an anti-join on the same index); only those rows are fetched.
 *
 * Memory is O(batchSize) whatever the store's size; each query is an index range scan.
 */
export async function verifyTasks(
  database: Database,
  options: VerifyOptions,
): Promise<VerifySummary> {
  const started = performance.now();
  const summary: VerifySummary = {
    events: 0,
    tasks: 0,
    live: 0,
    deleted: 0,
    rowsCompared: 0,
    rowsScanned: 0,
    differences: { field: 0, missing: 0, deleted: 0, unknown: 0, history: 0 },
    elapsedMs: 0,
  };
  const report = (difference: Difference) => {
    summary.differences[difference.kind]++;
    options.onDifference(difference);
  };
  const progress = (phase: VerifyProgress['phase']) =>
    options.onProgress?.({
      phase,
      events: summary.events,
      tasks: summary.tasks,
      rowsScanned: summary.rowsScanned,
      differences: Object.values(summary.differences).reduce((a, b) => a + b, 0),
      elapsedMs: performance.now() - started,
    });

  await readSnapshot(database, async (tx) => {
    await foldAndCompare(tx, options, summary, report, () => progress('events'));
    await findRowsWithoutEvents(tx, options, summary, report, () => progress('rows'));
  });
  summary.elapsedMs = performance.now() - started;
  return summary;
}

type Report = (difference: Difference) => void;

async function foldAndCompare(
  tx: Executor,
  options: VerifyOptions,
  summary: VerifySummary,
  report: Report,
  progress: () => void,
): Promise<void> {
  let current: TaskFold | undefined;
  let finished: TaskFold[] = [];
  let after: AggregatePosition | undefined;
  for (;;) {
    const batch = await taskEventsByAggregate(tx, {
      after,
      userId: options.userId,
      limit: options.batchSize,
    });
    for (const event of batch) {
      if (current && current.aggregateId !== event.aggregateId) {
        finished.push(current);
        current = undefined;
      }
      current = foldEvent(current, event);
    }
    summary.events += batch.length;
    const last = batch.at(-1);
    if (last) after = { aggregateId: last.aggregateId, seq: last.seq };
    if (finished.length >= options.batchSize) {
      await compareFolds(tx, finished, summary, report);
      finished = [];
    }
    progress();
    if (batch.length < options.batchSize) break;
  }
  if (current) finished.push(current);
  await compareFolds(tx, finished, summary, report);
}

/** Compares finished folds with their rows: one primary-key lookup for all of them. */
async function compareFolds(
  tx: Executor,
  folds: TaskFold[],
  summary: VerifySummary,
  report: Report,
): Promise<void> {
  if (folds.length === 0) return;
  const taskIds = folds.map((fold) => fold.aggregateId).filter((id) => Uuid.safeParse(id).success);
  const rows = new Map((await tasksByIds(tx, taskIds)).map((row) => [row.id, toTask(row)]));
  const goneSeries = await deletedAggregates(tx, referencedSeries(folds));

  for (const fold of folds) {
    summary.tasks++;
    const who = { taskId: fold.aggregateId, userId: fold.userId };
    for (const anomaly of fold.anomalies) report({ kind: 'history', ...who, ...anomaly });
    if (fold.moreAnomalies > 0) {
      report({ kind: 'history', ...who, message: `${fold.moreAnomalies} more anomalies` });
    }
    if (!Uuid.safeParse(fold.aggregateId).success) {
      report({ kind: 'history', ...who, message: 'task events whose aggregate id is no UUID' });
      continue;
    }
    const row = rows.get(fold.aggregateId);
    if (fold.deleted) {
      summary.deleted++;
      if (row) report({ kind: 'deleted', ...who, version: fold.version, rowVersion: row.version });
      continue;
    }
    summary.live++;
    const parsed = Task.safeParse(fold.task);
    if (!parsed.success) {
      report({
        kind: 'history',
        ...who,
        message: `the last event's data is no task: ${parsed.error.message}`,
      });
    }
    if (!row) {
      report({ kind: 'missing', ...who, version: fold.version });
      continue;
    }
    summary.rowsCompared++;
    for (const difference of compareTask(expectedRow(fold, goneSeries), row)) {
      report({ kind: 'field', ...who, ...difference });
    }
  }
}

/** The series ids that live instances point at. */
function referencedSeries(folds: TaskFold[]): string[] {
  const ids = new Set<string>();
  for (const fold of folds) {
    const seriesId = (fold.task as { series_id?: unknown } | null)?.series_id;
    if (!fold.deleted && typeof seriesId === 'string') ids.add(seriesId);
  }
  return [...ids];
}

/**
 * The row the events call for. One effect has no event of its own: deleting a series sets its
 * instances' `series_id` to null (ON DELETE SET NULL, without touching their version), so an
 * instance whose series has a task.deleted is expected with `series_id` null.
 */
function expectedRow(fold: TaskFold, goneSeries: Set<string>): Record<string, unknown> {
  const task = fold.task as Record<string, unknown>;
  const seriesId = task.series_id;
  return typeof seriesId === 'string' && goneSeries.has(seriesId)
    ? { ...task, series_id: null }
    : task;
}

async function findRowsWithoutEvents(
  tx: Executor,
  options: VerifyOptions,
  summary: VerifySummary,
  report: Report,
  progress: () => void,
): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const page = await taskPageWithoutEvents(tx, {
      after,
      userId: options.userId,
      limit: options.batchSize,
    });
    summary.rowsScanned += page.scanned;
    for (const row of await tasksByIds(tx, page.withoutEvents)) {
      report({ kind: 'unknown', taskId: row.id, userId: row.userId, rowVersion: row.version });
    }
    progress();
    if (page.scanned < options.batchSize) return;
    after = page.lastId;
  }
}
