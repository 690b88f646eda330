import { setTimeout as sleep } from 'node:timers/promises';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<unknown>;
}

export const realClock: Clock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

/**
 * Holds a sender to `perSecond`: a batch of n events leaves when the previous batch's time
 * (its size / perSecond) has passed. Time lost to a slow publish is not made up by a burst
 * afterwards, so consumers never see more than the rate asked for; the first batch leaves at once.
 */
export function pace(perSecond: number, clock: Clock = realClock) {
  let nextAt = clock.now();
  return {
    /** Waits until `count` more events may be sent, then books their time. */
    async take(count: number): Promise<void> {
      const wait = nextAt - clock.now();
      if (wait > 0) await clock.sleep(wait);
      nextAt = Math.max(nextAt, clock.now()) + (count * 1000) / perSecond;
    },
  };
}
