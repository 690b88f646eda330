import type { ErrorDetail, RecurrenceInput, Task } from '@taskflow/contracts';
import type { SeriesColumns, TaskRow } from '@taskflow/db';
import {
  RecurrenceError,
  describeRule,
  nextOccurrence,
  parseSeries,
  type Series,
} from '@taskflow/recurrence';
import { AppError } from '@taskflow/service-kit';

export interface PlanOptions {
  /** Used when the request names no start. */
  defaultStart: Date;
  now: Date;
  /** Where the recurrence sits in the body: '' for the recurrence route, 'recurrence.' in a create. */
  pathPrefix?: string;
}

/**
 * Checks a series request with packages/recurrence and computes what to store: the canonical
 * rule and zone, the start to the minute, and the first occurrence at or after the start (which
 * may lie in the past: the scheduler then spawns the latest occurrence up to now, as after any
 * downtime). A rule, zone or start it refuses becomes a 422 whose detail names the field and
 * says why: the request was well-formed by the published schema, which checked its shape (400).
 */
export function planSeries(input: RecurrenceInput, options: PlanOptions): SeriesColumns {
  const prefix = options.pathPrefix ?? '';
  try {
    const series = parseSeries({
      rule: input.rule,
      timeZone: input.time_zone,
      start: input.start === undefined ? options.defaultStart : new Date(input.start),
    });
    if (series.end !== null && series.end.getTime() < options.now.getTime()) {
      throw new RecurrenceError(
        'rule',
        `the series ended at ${series.end.toISOString()}, before now: it would never spawn a task`,
      );
    }
    const first = nextOccurrence(series, new Date(series.start.getTime() - 1));
    if (first === null)
      throw new RecurrenceError('rule', 'the rule has no occurrence after the start');
    return {
      recurrenceRule: series.rule,
      timeZone: series.timeZone,
      recurrenceMode: input.mode,
      seriesStart: series.start,
      nextOccurrence: first,
    };
  } catch (error) {
    if (!(error instanceof RecurrenceError)) throw error;
    const detail: ErrorDetail = {
      location: 'body',
      path: `${prefix}${error.field}`,
      message: error.message,
    };
    throw new AppError('unprocessable', `${detail.path}: ${error.message}`, [detail]);
  }
}

/** True when a request would store exactly the series the task already has: nothing to do. */
export function sameSeries(row: TaskRow, planned: SeriesColumns): boolean {
  return (
    row.isRecurring &&
    row.recurrenceRule === planned.recurrenceRule &&
    row.timeZone === planned.timeZone &&
    row.recurrenceMode === planned.recurrenceMode &&
    row.seriesStart?.getTime() === planned.seriesStart.getTime()
  );
}

/** The recurrence fields of a task being created: one-off without a series. */
export function seriesFields(
  series: SeriesColumns | undefined,
): Pick<
  Task,
  | 'recurrence_rule'
  | 'is_recurring'
  | 'next_occurrence'
  | 'time_zone'
  | 'recurrence_mode'
  | 'series_start'
> {
  return {
    recurrence_rule: series?.recurrenceRule ?? null,
    is_recurring: series !== undefined,
    next_occurrence: series?.nextOccurrence.toISOString() ?? null,
    time_zone: series?.timeZone ?? null,
    recurrence_mode: series?.recurrenceMode ?? null,
    series_start: series?.seriesStart.toISOString() ?? null,
  };
}

/**
 * The stored series in words. A stored rule was checked on the way in; should a later library
 * refuse it, the raw rule is shown rather than failing the whole list.
 */
export function describeStoredSeries(task: Task): string {
  const series = storedSeries(task);
  return series ? describeRule(series) : (task.recurrence_rule ?? '');
}

function storedSeries(task: Task): Series | null {
  if (!task.recurrence_rule || !task.time_zone || !task.series_start) return null;
  try {
    return parseSeries({
      rule: task.recurrence_rule,
      timeZone: task.time_zone,
      start: new Date(task.series_start),
    });
  } catch {
    return null;
  }
}
