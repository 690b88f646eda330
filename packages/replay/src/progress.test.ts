import { describe, expect, it } from 'vitest';
import { formatDuration, republishProgressLine, throttled } from './progress.ts';

describe('progress output', () => {
  it('formats durations for people', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(7_620_000)).toBe('2 h 07 min');
  });

  it('a republish line shows done/total, rate, ETA and the last seq', () => {
    expect(
      republishProgressLine({ done: 12_000, total: 48_000, elapsedMs: 24_000, lastSeq: 81_234 }),
    ).toBe('republish: 12,000/48,000 events (25.0%), 500 events/s, ETA 1 min 12 s, last seq 81234');
    expect(republishProgressLine({ done: 10, total: 10, elapsedMs: 5, lastSeq: 3 })).toContain(
      'ETA done',
    );
  });

  it('prints at most once per interval unless forced', () => {
    let now = 0;
    const printed: number[] = [];
    const print = throttled(
      1000,
      (n: number) => printed.push(n),
      () => now,
    );
    print(1);
    now = 500;
    print(2);
    now = 1000;
    print(3);
    print(4, true);
    expect(printed).toEqual([1, 3, 4]);
  });
});
