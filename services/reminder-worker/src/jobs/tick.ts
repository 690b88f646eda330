import { setTimeout as sleep } from 'node:timers/promises';
import {
  msUntilNextReminder,
  settleUnfireableReminders,
  type ClaimPolicy,
  type Database,
} from '@taskflow/db';
import type { Outbox } from '@taskflow/outbox';
import type { FastifyBaseLogger } from 'fastify';
import type { ReminderMetrics } from '../metrics.ts';
import { fireBatch } from './fire.ts';

export interface TickDeps {
  database: Database;
  /** Each fired batch is one unit of work: its commit wakes the relay, delivery starts at once. */
  outbox: Outbox;
  policy: ClaimPolicy;
  /** How long one tick may keep claiming; what is left waits for the next tick. */
  budgetMs: number;
  /**
   * After the due work, the tick waits for reminders falling due within this many ms and fires
   * each on the dot, instead of up to one cron period late. A little under the cron period, so
   * that the next trigger (skipped while a tick runs) is not lost. 0: no waiting.
   */
  lookaheadMs: number;
  metrics: ReminderMetrics;
}

export interface TickResult {
  fired: number;
  late: number;
  missed: number;
  cancelled: number;
}

/**
 * One cron tick: fire what is due, batch after batch; settle what must not fire (missed, or of
 * a completed task); then, within the lookahead, fire each reminder as its time comes. Firing
 * comes first because it is what users wait for. A batch smaller than the limit means nothing
 * more is due, or another replica holds the rest.
 */
export async function runTick(
  deps: TickDeps,
  log: Pick<FastifyBaseLogger, 'info'>,
): Promise<TickResult> {
  const { database, policy, metrics } = deps;
  const stopTimer = metrics.tickSeconds.startTimer();
  const started = Date.now();
  const deadline = started + deps.budgetMs;
  const result: TickResult = { fired: 0, late: 0, missed: 0, cancelled: 0 };

  const fireDue = async () => {
    for (;;) {
      const batch = await fireBatch(deps.outbox, policy);
      if (batch.length > 0) {
        metrics.observeFired(batch);
        result.fired += batch.length;
        result.late += batch.filter((reminder) => reminder.late).length;
      }
      if (batch.length < policy.limit || Date.now() >= deadline) return;
    }
  };

  try {
    await fireDue();
    for (;;) {
      const { missed, cancelled } = await settleUnfireableReminders(database.db, policy);
      metrics.missed.inc(missed);
      metrics.cancelled.inc(cancelled);
      result.missed += missed;
      result.cancelled += cancelled;
      if (missed + cancelled < policy.limit || Date.now() >= deadline) break;
    }
    const horizon = Math.min(started + deps.lookaheadMs, deadline);
    while (Date.now() < horizon) {
      const wait = await msUntilNextReminder(database.db, horizon - Date.now());
      if (wait === undefined) break;
      // +1 ms: wake when the database's clock has passed the reminder's time, not just before.
      await sleep(Math.max(0, wait) + 1);
      await fireDue();
    }
  } finally {
    stopTimer();
  }
  if (result.fired + result.missed + result.cancelled > 0) log.info(result, 'reminder tick');
  return result;
}
