import { describe, expect, it } from 'vitest';
import { pace, type Clock } from './pace.ts';

/** A clock that moves only when something sleeps on it, or when told. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  const clock: Clock & { advance(ms: number): void; sleeps: number[] } = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
    sleeps,
  };
  return clock;
}

describe('pace', () => {
  it('sends the first batch at once, then one batch per batch-size / rate', async () => {
    const clock = fakeClock();
    const limiter = pace(100, clock);
    for (let i = 0; i < 4; i++) await limiter.take(50);
    expect(clock.sleeps).toEqual([500, 500, 500]);
    expect(clock.now()).toBe(1500); // the 4th batch of 50 leaves at 1.5 s: 100 events/s
  });

  it('does not make up for a slow publish with a burst', async () => {
    const clock = fakeClock();
    const limiter = pace(100, clock);
    await limiter.take(50);
    clock.advance(3_000); // the publish took 3 s
    await limiter.take(50); // late: goes at once
    await limiter.take(50); // but the next one still waits its 500 ms
    expect(clock.sleeps).toEqual([500]);
  });
});
