import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it('retries first within 250 ms, then doubles up to 5 s', () => {
    const low = () => 0;
    const high = () => 1;
    expect(backoffDelay(0, {}, low)).toBe(125);
    expect(backoffDelay(0, {}, high)).toBe(250);
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(n, {}, high))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000, 5000,
    ]);
    expect(backoffDelay(100, {}, low)).toBe(2500);
  });

  it('spreads clients over the window instead of sending them back together', () => {
    const delays = new Set(Array.from({ length: 200 }, () => backoffDelay(3)));
    expect(delays.size).toBeGreaterThan(50);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(1000);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(2000);
  });

  it('honours other bounds', () => {
    expect(backoffDelay(0, { firstMs: 100, maxMs: 300 }, () => 1)).toBe(100);
    expect(backoffDelay(5, { firstMs: 100, maxMs: 300 }, () => 1)).toBe(300);
  });
});
