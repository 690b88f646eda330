import { makeEvent, type EventEnvelope, type Task } from '@taskflow/contracts';
import {
  advanceSeries,
  claimDueSeries,
  insertInstances,
  latestInstance,
  toTask,
  type TaskRow,
  type Tx,
} from '@taskflow/db';
import type { Outbox } from '@taskflow/outbox';
import type { Logger } from '@taskflow/service-kit';
import type { SchedulerMetrics } from '../metrics.ts';
import { afterLatest } from './completion.ts';
import { planSpawn, storedSeries } from '../series/occurrence.ts';
import { advanced, buildSpawn, spawnEvents, type Spawn } from '../series/spawn.ts';

export interface TickOptions {
  /** Each batch is one unit of work: its commit wakes the relay. */
  outbox: Outbox;
  log: Pick<Logger, 'error' | 'debug'>;
  batchSize: number;
  /** Batches stop once the tick has run this long; the next tick carries on. */
  budgetMs: number;
  metrics?: SchedulerMetrics | undefined;
  /** The one clock of a tick's batch: claims, occurrences and events all read it. */
  clock?: () => Date;
}

export interface TickResult {
  claimed: number;
  spawned: number;
  /** Occurrences whose instance already existed. */
  replayed: number;
  /** Series stopped because their stored rule could not be computed. */
  stopped: number;
  batches: number;
}

/**
 * One cron tick: claims due series in batches, each batch ONE transaction that inserts the
 * instances, advances the series and appends the events. Exactly once per occurrence follows
 * from the database, not from the tick: a claimed series is locked (other replicas skip it), its
 * `next_occurrence` moves past `now` in the same commit, and a killed scheduler's transaction
 * rolls back whole, to be claimed again. The unique (series_id, occurrence_at) index is the last
 * line: an occurrence spawned before is never inserted twice.
 */
export async function runTick(options: TickOptions): Promise<TickResult> {
  const clock = options.clock ?? (() => new Date());
  const started = performance.now();
  const endTimer = options.metrics?.tickSeconds.startTimer();
  const total: TickResult = { claimed: 0, spawned: 0, replayed: 0, stopped: 0, batches: 0 };
  try {
    for (;;) {
      const batch = await runBatch(options, clock());
      total.batches++;
      total.claimed += batch.claimed;
      total.spawned += batch.spawned;
      total.replayed += batch.replayed;
      total.stopped += batch.stopped;
      options.metrics?.spawned.inc(batch.spawned);
      options.metrics?.replayed.inc(batch.replayed);
      options.metrics?.stopped.inc(batch.stopped);
      const spent = performance.now() - started;
      if (batch.claimed < options.batchSize || spent >= options.budgetMs) return total;
    }
  } finally {
    endTimer?.();
  }
}

type BatchResult = Omit<TickResult, 'batches'>;

async function runBatch(options: TickOptions, now: Date): Promise<BatchResult> {
  return options.outbox.commit(async (tx, emit) => {
    const rows = await claimDueSeries(tx, now, options.batchSize);
    if (rows.length === 0) return { claimed: 0, spawned: 0, replayed: 0, stopped: 0 };
    const spawns: Spawn[] = [];
    const stopped: Task[] = [];
    for (const row of rows) {
      const work = planRow(row, now, options.log);
      if ('spawn' in work) spawns.push(work.spawn);
      else stopped.push(work.stopped);
    }
    const inserted = await insertInstances(
      tx,
      spawns.map((spawn) => spawn.instance),
    );
    for (const spawn of spawns) {
      if (!inserted.has(spawn.instance.id)) await resumeAfterReplay(tx, spawn);
    }
    const events: EventEnvelope[] = spawns.flatMap((spawn) =>
      spawnEvents(spawn, inserted.has(spawn.instance.id), now),
    );
    for (const series of stopped) {
      const context = { userId: series.user_id, correlationId: `stop:${series.id}`, at: now };
      events.push(makeEvent('task.updated', series, series, context));
    }
    await advanceSeries(tx, [...spawns.map((spawn) => spawn.series), ...stopped]);
    emit(...events);
    return {
      claimed: rows.length,
      spawned: inserted.size,
      replayed: spawns.length - inserted.size,
      stopped: stopped.length,
    };
  });
}

/**
 * A completion-mode series set back onto an occurrence it had already spawned (its rule was
 * changed, say): the existing instance stands in for the spawn. If that one is already done, no
 * completion event will come for it any more, so the next occurrence is scheduled here rather
 * than leaving the series waiting forever.
 */
async function resumeAfterReplay(tx: Tx, spawn: Spawn): Promise<void> {
  if (spawn.series.recurrence_mode !== 'completion') return;
  const latest = await latestInstance(tx, spawn.series.id);
  const after = latest ? afterLatest(spawn.series, latest) : undefined;
  if (after === undefined || 'waiting' in after) return;
  spawn.series = {
    ...spawn.series,
    next_occurrence: after.next?.toISOString() ?? null,
    is_recurring: after.next !== null,
  };
}

/**
 * A due series' spawn, or, when its stored rule cannot be computed any more, the series
 * stopped. Any error stops just that series: rows are claimed oldest first, so one that failed
 * the whole batch would fail every tick after it and stall every user's series behind it.
 */
function planRow(
  row: TaskRow,
  now: Date,
  log: TickOptions['log'],
): { spawn: Spawn } | { stopped: Task } {
  const series = toTask(row);
  try {
    const plan = planSpawn(
      storedSeries(series),
      series.recurrence_mode ?? 'schedule',
      row.nextOccurrence!,
      now,
    );
    return { spawn: buildSpawn(series, plan, now) };
  } catch (error) {
    log.error({ err: error, series_id: series.id }, 'series cannot be scheduled: stopped');
    return { stopped: advanced(series, null, false, now) };
  }
}
