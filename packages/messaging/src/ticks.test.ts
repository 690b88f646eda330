import { describe, expect, it } from 'vitest';
import { SLOT_MARGIN_MS, startTicks, untilNextSlot, type TickLog } from './ticks.ts';

const silent = {
  debug() {},
  error() {},
} as unknown as TickLog;

describe('untilNextSlot', () => {
  it('waits until just past the next multiple of the period on the clock', () => {
    expect(untilNextSlot(10_250, 1000)).toBe(750 + SLOT_MARGIN_MS);
    expect(untilNextSlot(10_999, 1000)).toBe(1 + SLOT_MARGIN_MS);
    expect(untilNextSlot(11_000 + SLOT_MARGIN_MS, 1000)).toBe(1000);
  });

  it('follows a tick that woke a moment before its slot with one right after it', () => {
    expect(untilNextSlot(11_000, 1000)).toBe(SLOT_MARGIN_MS);
    expect(untilNextSlot(11_000 + SLOT_MARGIN_MS - 1, 1000)).toBe(1);
  });
});

describe('startTicks', () => {
  it('ticks at once, then on the slots, never two of one tick at a time, and stops', async () => {
    let running = 0;
    let most = 0;
    const starts: number[] = [];
    const stop = startTicks(
      [
        {
          route: '/t',
          everyMs: 50,
          handler: async () => {
            starts.push(Date.now());
            most = Math.max(most, ++running);
            await new Promise((resolve) => setTimeout(resolve, 70));
            running--;
          },
        },
      ],
      silent,
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    await stop();
    const count = starts.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(starts.length).toBe(count);
    expect(most).toBe(1);
    expect(count).toBeGreaterThanOrEqual(3);
    // A tick of 70 ms overruns its 50 ms slot: the next one waits for a later slot.
    starts.slice(1).forEach((start, i) => expect(start - starts[i]!).toBeGreaterThanOrEqual(70));
  });

  it('logs a failing tick and carries on', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const log = { ...silent, error: (object: unknown) => errors.push(object) } as TickLog;
    const stop = startTicks(
      [
        {
          route: '/boom',
          everyMs: 20,
          handler: () => {
            calls++;
            throw new Error('boom');
          },
        },
      ],
      log,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stop();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(errors.length).toBe(calls);
  });
});
