import { makeEvent, type Task } from '@taskflow/contracts';
import { advanceSeries, latestInstance, lockSeries, toTask, type TaskRow } from '@taskflow/db';
import type { Outbox } from '@taskflow/outbox';
import { RecurrenceError, nextAfterCompletion } from '@taskflow/recurrence';
import type { CompletionOutcome } from '../metrics.ts';
import { StoredSeriesError, storedSeries } from '../series/occurrence.ts';
import { advanced } from '../series/spawn.ts';

export interface CompletedInstance {
  seriesId: string;
  instanceId: string;
  /** The completion event's correlation id: the rescheduling belongs to the user's action. */
  correlationId: string;
}

export interface CompletionResult {
  outcome: CompletionOutcome;
  /** Why nothing was done, for the log. */
  reason?: string;
}

/**
 * Completion mode: once the series' latest instance is completed, its next occurrence is
 * `nextAfterCompletion` of the completion time. Decided on the database's current state under
 * the series' lock, never on the event's copy, so the event may come twice, late or out of
 * order: the series advances only while it waits (`next_occurrence` null), only for its latest
 * instance, and only if that instance is still completed. A replay finds the series no longer
 * waiting, or a newer instance: it does nothing.
 */
export async function scheduleAfterCompletion(
  outbox: Outbox,
  completed: CompletedInstance,
  now: Date = new Date(),
): Promise<CompletionResult> {
  return outbox.commit(async (tx, emit) => {
    const row = await lockSeries(tx, completed.seriesId);
    if (!row) return { outcome: 'ignored', reason: 'the series is gone' };
    if (!row.isRecurring || row.recurrenceMode !== 'completion') {
      return { outcome: 'ignored', reason: 'not a live completion-mode series' };
    }
    if (row.nextOccurrence !== null) {
      return { outcome: 'ignored', reason: 'the next occurrence is already scheduled' };
    }
    const latest = await latestInstance(tx, completed.seriesId);
    if (!latest || latest.id !== completed.instanceId) {
      return { outcome: 'ignored', reason: 'not the latest instance of its series' };
    }
    const series = toTask(row);
    const after = afterLatest(series, latest);
    if ('waiting' in after) return { outcome: 'ignored', reason: after.waiting };
    const updated = advanced(series, after.next, after.next !== null, now);
    const context = { userId: series.user_id, correlationId: completed.correlationId, at: now };
    await advanceSeries(tx, [updated]);
    emit(makeEvent('task.updated', updated, updated, context));
    return after.next === null
      ? { outcome: 'ended', ...(after.reason ? { reason: after.reason } : {}) }
      : { outcome: 'scheduled' };
  });
}

/**
 * What a completion-mode series does after its latest instance: wait while it is open; once
 * completed, the next occurrence counts from the completion, or from the instance's own
 * occurrence if it was completed early, so the next never falls on (or before) the one just
 * done. Null when the rule is over, or when the stored rule can no longer be computed (it would
 * fail every redelivery; the series stops instead).
 */
export function afterLatest(
  series: Task,
  latest: TaskRow,
): { waiting: string } | { next: Date | null; reason?: string } {
  if (!latest.completed || latest.completedAt === null) {
    return { waiting: 'the latest instance is open (or was reopened)' };
  }
  const anchor = new Date(
    Math.max(latest.completedAt.getTime(), latest.occurrenceAt?.getTime() ?? 0),
  );
  try {
    return { next: nextAfterCompletion(storedSeries(series), anchor) };
  } catch (error) {
    if (!(error instanceof StoredSeriesError || error instanceof RecurrenceError)) throw error;
    return { next: null, reason: `the series cannot be computed: ${error.message}` };
  }
}
