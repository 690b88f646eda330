import { describe, expect, it } from 'vitest';
import { nextOccurrence } from './occurrences.ts';
import { parseSeries, type Series } from './series.ts';

const CALLS = 1_000;
const DAY_MS = 86_400_000;

/** Average milliseconds per nextOccurrence call, at `after`s spread over 2027. */
function averageMs(series: Series): number {
  const year = Date.UTC(2027, 0, 1);
  const afters = Array.from(
    { length: CALLS },
    (_, i) => new Date(year + ((i * 7919) % 365) * DAY_MS + i * 60_000),
  );
  for (const after of afters.slice(0, 100)) nextOccurrence(series, after); // warm up
  const began = performance.now();
  for (const after of afters) nextOccurrence(series, after);
  return (performance.now() - began) / CALLS;
}

const tenYearsAgo = new Date('2017-01-02T08:00:00Z'); // a Monday, 09:00 in Berlin

// Behaviour with a generous bound: the cost must not grow with the series' age. The figures
// printed are the real ones (README.md quotes them).
describe('speed', () => {
  it.each([
    ['FREQ=DAILY', tenYearsAgo],
    ['FREQ=WEEKLY;BYDAY=MO,WE,FR', tenYearsAgo],
    ['FREQ=MONTHLY;BYMONTHDAY=-1', tenYearsAgo],
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', tenYearsAgo],
    ['FREQ=MINUTELY;INTERVAL=15', tenYearsAgo],
    // Counted once when parsed; runs through September 2027, so 2027 is partly inside.
    ['FREQ=DAILY;COUNT=1000', new Date('2025-01-01T08:00:00Z')],
  ])('%s: next occurrence well under 5 ms a call', (rule, start) => {
    const series = parseSeries({ rule, timeZone: 'Europe/Berlin', start });
    const ms = averageMs(series);
    const since = start.getUTCFullYear();
    console.log(`nextOccurrence, ${rule}, started ${since}: ${(ms * 1000).toFixed(0)} µs a call`);
    expect(ms).toBeLessThan(5);
  });

  it('parses a series in well under 5 ms', () => {
    const began = performance.now();
    for (let i = 0; i < 200; i += 1) {
      parseSeries({
        rule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR',
        timeZone: 'Europe/Berlin',
        start: tenYearsAgo,
      });
    }
    const ms = (performance.now() - began) / 200;
    console.log(`parseSeries, FREQ=WEEKLY;BYDAY=MO,WE,FR: ${(ms * 1000).toFixed(0)} µs a call`);
    expect(ms).toBeLessThan(5);
  });
});
