import type { RecurrenceMode, Task } from '@taskflow/contracts';
import { RecurrenceError, nextOccurrence, parseSeries, type Series } from '@taskflow/recurrence';

/** A series row whose stored recurrence cannot be read back (it was checked on the way in). */
export class StoredSeriesError extends Error {
  override name = 'StoredSeriesError';
}

/** The series a task row stores, ready to compute occurrences from. */
export function storedSeries(task: Task): Series {
  const { recurrence_rule: rule, time_zone: timeZone, series_start: start } = task;
  if (!rule || !timeZone || !start) {
    throw new StoredSeriesError(`series ${task.id} lacks its rule, time zone or start`);
  }
  try {
    return parseSeries({ rule, timeZone, start: new Date(start) });
  } catch (error) {
    if (error instanceof RecurrenceError) {
      throw new StoredSeriesError(`series ${task.id}: ${error.field}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** What one claim of a due series does: the occurrence to spawn, and what comes after it. */
export interface SpawnPlan {
  occurrence: Date;
  /** The next occurrence to wait for; null when the series waits (completion mode) or is over. */
  next: Date | null;
  /** False once the rule has no occurrence left: the series stops. */
  recurring: boolean;
}

/**
 * The downtime policy in one place. `due` is the series' pending occurrence (its stored
 * `next_occurrence`, at or before `now`). If the scheduler was down, or the series started in
 * the past, several occurrences may have passed since `due`: only the LATEST of them spawns, and
 * the series moves on to its first occurrence after `now`. A user back from a week away finds
 * one "water the plants", not seven.
 *
 * - schedule mode: next = the rule's first occurrence after the spawned one.
 * - completion mode: next = null; completing the instance schedules the next
 *   (handlers/completions.ts). The series goes on unless the rule is over.
 */
export function planSpawn(series: Series, mode: RecurrenceMode, due: Date, now: Date): SpawnPlan {
  const { occurrence, following } = latestOccurrence(series, due, now);
  const recurring = following !== null;
  return { occurrence, next: mode === 'completion' ? null : following, recurring };
}

/**
 * The latest occurrence in [due, now], and the rule's occurrence after it (null: the rule is
 * over). `due` itself counts, being the pending occurrence (in completion mode it need not lie
 * on the rule's grid). Normally (a tick every second) one lookup shows that nothing came after
 * `due`. After a long outage, a bisection over the instants between `due` and `now` finds the
 * last occurrence in about 40 lookups, whatever the rule's density and however long the outage,
 * instead of walking every missed occurrence.
 */
export function latestOccurrence(
  series: Series,
  due: Date,
  now: Date,
): { occurrence: Date; following: Date | null } {
  const end = now.getTime();
  const after = (instant: number): number | null =>
    nextOccurrence(series, new Date(instant))?.getTime() ?? null;
  const upToNow = (occurrence: number | null): occurrence is number =>
    occurrence !== null && occurrence <= end;

  const afterDue = after(due.getTime());
  if (!upToNow(afterDue)) return { occurrence: due, following: toDate(afterDue) };
  // Invariant: an occurrence lies in (lo, now]; none lies in (hi, now] (hi = now: trivially).
  let lo = due.getTime();
  let hi = end;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (upToNow(after(mid))) lo = mid;
    else hi = mid;
  }
  const latest = after(lo) ?? afterDue;
  return { occurrence: new Date(latest), following: toDate(after(latest)) };
}

const toDate = (instant: number | null) => (instant === null ? null : new Date(instant));
