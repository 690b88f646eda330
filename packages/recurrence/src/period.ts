import { DAY_MS, HOUR_MS, MINUTE_MS } from './local-time.ts';
import type { Frequency, Weekday } from './rule.ts';
import { WEEKDAYS } from './rule.ts';

/**
 * rrule walks a rule period by period (a year for YEARLY, a week starting on WKST for WEEKLY...),
 * stepping INTERVAL periods from the period of its dtstart. Numbering the periods lets us start
 * the walk at a later period of the same phase, which yields the same occurrences from there on.
 * All times here are floating (see local-time.ts).
 */
export function periodIndex(freq: Frequency, weekStart: Weekday, floating: Date): number {
  const ms = floating.getTime();
  switch (freq) {
    case 'YEARLY':
      return floating.getUTCFullYear();
    case 'MONTHLY':
      return floating.getUTCFullYear() * 12 + floating.getUTCMonth();
    case 'WEEKLY':
      // 1970-01-01 was a Thursday (3 when Monday is 0).
      return Math.floor((Math.floor(ms / DAY_MS) - WEEKDAYS.indexOf(weekStart) + 3) / 7);
    case 'DAILY':
      return Math.floor(ms / DAY_MS);
    case 'HOURLY':
      return Math.floor(ms / HOUR_MS);
    case 'MINUTELY':
      return Math.floor(ms / MINUTE_MS);
  }
}

/** The first moment of period `index`, as a floating time. */
export function periodStart(freq: Frequency, weekStart: Weekday, index: number): Date {
  switch (freq) {
    case 'YEARLY':
      return new Date(Date.UTC(index, 0, 1));
    case 'MONTHLY':
      return new Date(Date.UTC(Math.floor(index / 12), index % 12, 1));
    case 'WEEKLY':
      return new Date((index * 7 + WEEKDAYS.indexOf(weekStart) - 3) * DAY_MS);
    case 'DAILY':
      return new Date(index * DAY_MS);
    case 'HOURLY':
      return new Date(index * HOUR_MS);
    case 'MINUTELY':
      return new Date(index * MINUTE_MS);
  }
}

/**
 * Where to start rrule so that it yields every occurrence of the series at or after `floor`:
 * the start of the last period in the series' phase that begins at or before `floor`, or the
 * series' own first moment when `floor` is still in its first period. Occurrences before `floor`
 * may come too; the caller skips them.
 */
export function walkStart(
  freq: Frequency,
  weekStart: Weekday,
  interval: number,
  origin: Date,
  floor: Date,
): Date {
  const first = periodIndex(freq, weekStart, origin);
  const steps = Math.floor((periodIndex(freq, weekStart, floor) - first) / interval);
  return steps <= 0 ? origin : periodStart(freq, weekStart, first + steps * interval);
}
