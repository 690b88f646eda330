import type { FastifyBaseLogger } from 'fastify';

/** The logger a tick gets: pino's, or Fastify's request logger. */
export type TickLog = FastifyBaseLogger;

/**
 * Periodic work of a service (spawning due occurrences, firing due reminders). Several processes
 * may tick at once: the database claims (SKIP LOCKED) make that safe, so no tick needs a leader.
 */
export interface Tick {
  /** The Dapr cron binding's route (dapr/components/common/binding-*.yaml), e.g. "/scheduler-tick". */
  route: string;
  /** How often without Dapr; with it, the binding's schedule decides (`@every 1s`). */
  everyMs: number;
  /**
   * One tick's work. A tick due while the previous one still runs is skipped: a slow tick must
   * not pile up. A throw is logged; the next tick comes anyway.
   */
  handler: (context: { log: TickLog }) => Promise<void> | void;
}

/**
 * Runs ticks on in-process timers, the first at once, then just after the wall clock's multiples
 * of `everyMs` (whole seconds for 1000), as daprd's `@every 1s` cron does: occurrences and
 * reminders fall due on whole seconds, so a tick right after one catches it at once. A tick that overruns
 * its slot skips to the next free one: they never overlap. Returns a stop that waits for the
 * ticks in progress.
 */
export function startTicks(ticks: readonly Tick[], log: TickLog): () => Promise<void> {
  let stopped = false;
  const wakers = new Set<() => void>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });
  const loops = ticks.map(async (tick) => {
    while (!stopped) {
      try {
        await tick.handler({ log });
      } catch (error) {
        log.error({ err: error, tick: tick.route }, 'tick failed: the next one comes anyway');
      }
      if (stopped) break;
      await pause(untilNextSlot(Date.now(), tick.everyMs));
    }
  });
  return async () => {
    stopped = true;
    for (const wake of wakers) wake();
    await Promise.all(loops);
  };
}

/**
 * How far past its slot a tick aims. A timer can fire a millisecond before its time by the wall
 * clock (Node's timers run on the monotonic clock): a tick meant for 10:00:00 that ran at
 * 09:59:59.999 would leave what falls due at 10:00:00 to the next tick, a whole period later.
 */
export const SLOT_MARGIN_MS = 5;

/**
 * The wait from `now` to SLOT_MARGIN_MS past the next multiple of `everyMs`. A tick that ran
 * early, just before its slot, is followed by one right after the slot.
 */
export function untilNextSlot(now: number, everyMs: number): number {
  const slot = Math.floor((now - SLOT_MARGIN_MS) / everyMs) * everyMs + everyMs;
  return slot + SLOT_MARGIN_MS - now;
}
