import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { RecurrenceError } from './errors.ts';
import { nextOccurrence, occurrencesBetween } from './occurrences.ts';
import { parseSeries, type Series } from './series.ts';

// DST and not, whole-hour and half-hour shifts, DST at midnight (Santiago), +12:45 (Chatham).
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/St_Johns',
  'America/Santiago',
  'America/Sao_Paulo',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'Pacific/Chatham',
  'Asia/Kolkata',
  'Asia/Tehran',
];

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Freq = 'YEARLY' | 'MONTHLY' | 'WEEKLY' | 'DAILY' | 'HOURLY' | 'MINUTELY';

/** A generated rule: a small subset of RRULE whose meaning this file spells out on its own. */
interface Generated {
  readonly freq: Freq;
  readonly interval: number;
  readonly byDay: readonly number[]; // Monday 0
  readonly byMonthDay: readonly number[];
  readonly byHour: readonly number[];
  readonly byMinute: readonly number[];
  readonly count: number | null;
}

const text = (g: Generated): string => {
  const parts = [`FREQ=${g.freq}`, `INTERVAL=${g.interval}`];
  if (g.byDay.length > 0) parts.push(`BYDAY=${g.byDay.map((d) => WEEKDAYS[d]).join(',')}`);
  if (g.byMonthDay.length > 0) parts.push(`BYMONTHDAY=${g.byMonthDay.join(',')}`);
  if (g.byHour.length > 0) parts.push(`BYHOUR=${g.byHour.join(',')}`);
  if (g.byMinute.length > 0) parts.push(`BYMINUTE=${g.byMinute.join(',')}`);
  if (g.count !== null) parts.push(`COUNT=${g.count}`);
  return parts.join(';');
};

function some<T>(values: fc.Arbitrary<T>, max: number): fc.Arbitrary<readonly T[]> {
  return fc.oneof(
    fc.constant<readonly T[]>([]),
    fc.uniqueArray(values, { minLength: 1, maxLength: max }),
  );
}

const generated: fc.Arbitrary<Generated> = fc
  .record({
    freq: fc.constantFrom<Freq>('YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY'),
    interval: fc.integer({ min: 1, max: 4 }),
    minutely: fc.constantFrom(15, 20, 30, 45, 60, 90, 120),
    byDay: some(fc.integer({ min: 0, max: 6 }), 4),
    byMonthDay: some(fc.oneof(fc.integer({ min: 1, max: 28 }), fc.constant(-1)), 2),
    byHour: some(fc.integer({ min: 0, max: 23 }), 3),
    byMinute: some(fc.constantFrom(0, 15, 30, 45, 59), 2),
    count: fc.option(fc.integer({ min: 1, max: 40 })),
  })
  .map((r): Generated => ({
    freq: r.freq,
    interval: r.freq === 'MINUTELY' ? r.minutely : r.interval,
    byDay: r.freq === 'MONTHLY' || r.freq === 'YEARLY' ? [] : r.byDay,
    byMonthDay: r.freq === 'MONTHLY' ? r.byMonthDay : [],
    byHour: r.byHour,
    byMinute: r.byMinute,
    count: r.count,
  }));

/** Any instant from 2000 to 2040, or one within two days before a DST change of `timeZone`. */
const startFor = (timeZone: string): fc.Arbitrary<Date> =>
  fc.oneof(
    fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2040-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc
      .tuple(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2039, 0, 1) }),
        fc.integer({ min: 0, max: 48 * 60 }),
      )
      .map(([ms, minutesBefore]) => {
        const change = Temporal.Instant.fromEpochMilliseconds(ms)
          .toZonedDateTimeISO(timeZone)
          .getTimeZoneTransition('next');
        return new Date((change?.epochMilliseconds ?? ms) - minutesBefore * MINUTE);
      }),
  );

const cases = fc
  .constantFrom(...ZONES)
  .chain((timeZone) => fc.tuple(fc.constant(timeZone), startFor(timeZone), generated));

// ---- The oracle: the generated rules' meaning, by brute force on wall-clock minutes. ----
// Wall-clock times are numbers here: milliseconds of a UTC Date whose fields are the wall clock.

const weekdayOf = (wall: number): number => (new Date(wall).getUTCDay() + 6) % 7;
const dayNumber = (wall: number): number => Math.floor(wall / DAY);

function startWall(series: Series): number {
  const s = series.localStart;
  return Date.UTC(s.year, s.month - 1, s.day, s.hour, s.minute);
}

/** Whether wall-clock time `wall` is an occurrence of `g` started at `start`, by RFC 5545. */
function fits(g: Generated, start: number, wall: number): boolean {
  if (wall < start) return false;
  const s = new Date(start);
  const w = new Date(wall);
  const hours = g.byHour.length > 0 ? g.byHour : [s.getUTCHours()];
  const minutes = g.byMinute.length > 0 ? g.byMinute : [s.getUTCMinutes()];
  const dailyOrLonger = g.freq !== 'HOURLY' && g.freq !== 'MINUTELY';
  if ((dailyOrLonger || g.byHour.length > 0) && !hours.includes(w.getUTCHours())) return false;
  if ((g.freq !== 'MINUTELY' || g.byMinute.length > 0) && !minutes.includes(w.getUTCMinutes())) {
    return false;
  }
  if (g.byDay.length > 0 && !g.byDay.includes(weekdayOf(wall))) return false;
  const months = (w.getUTCFullYear() - s.getUTCFullYear()) * 12 + w.getUTCMonth() - s.getUTCMonth();
  switch (g.freq) {
    case 'YEARLY':
      return (
        w.getUTCMonth() === s.getUTCMonth() &&
        w.getUTCDate() === s.getUTCDate() &&
        months % (12 * g.interval) === 0
      );
    case 'MONTHLY': {
      const last = new Date(Date.UTC(w.getUTCFullYear(), w.getUTCMonth() + 1, 0)).getUTCDate();
      const days = g.byMonthDay.length > 0 ? g.byMonthDay : [s.getUTCDate()];
      return (
        days.some((d) => d === w.getUTCDate() || (d === -1 && w.getUTCDate() === last)) &&
        months % g.interval === 0
      );
    }
    case 'WEEKLY': {
      if (g.byDay.length === 0 && weekdayOf(wall) !== weekdayOf(start)) return false;
      const weeks = (dayNumber(wall) - weekdayOf(wall) - (dayNumber(start) - weekdayOf(start))) / 7;
      return weeks % g.interval === 0;
    }
    case 'DAILY':
      return (dayNumber(wall) - dayNumber(start)) % g.interval === 0;
    case 'HOURLY':
      return (Math.floor(wall / HOUR) - Math.floor(start / HOUR)) % g.interval === 0;
    case 'MINUTELY':
      return ((wall - start) / MINUTE) % g.interval === 0;
  }
}

/** Every fitting wall-clock time from `start` on, in order, up to 60 years. */
function* walls(g: Generated, start: number): Generator<number> {
  const stop = start + 60 * 365 * DAY;
  const minutes = [
    ...(g.byMinute.length > 0 ? g.byMinute : [new Date(start).getUTCMinutes()]),
  ].sort((a, b) => a - b);
  if (g.freq === 'MINUTELY' || g.freq === 'HOURLY') {
    // Every minute of the day that could fit, day by day; fits() keeps the grid.
    for (let day = dayNumber(start) * DAY; day < stop; day += DAY) {
      for (let minute = 0; minute < 1440; minute += 1) {
        const wall = day + minute * MINUTE;
        if (fits(g, start, wall)) yield wall;
      }
    }
    return;
  }
  const hours = [...(g.byHour.length > 0 ? g.byHour : [new Date(start).getUTCHours()])].sort(
    (a, b) => a - b,
  );
  for (let day = dayNumber(start) * DAY; day < stop; day += DAY) {
    for (const hour of hours) {
      for (const minute of minutes) {
        const wall = day + hour * HOUR + minute * MINUTE;
        if (fits(g, start, wall)) yield wall;
      }
    }
  }
}

function instantOf(wall: number, timeZone: string): number {
  const w = new Date(wall);
  return new Temporal.PlainDateTime(
    w.getUTCFullYear(),
    w.getUTCMonth() + 1,
    w.getUTCDate(),
    w.getUTCHours(),
    w.getUTCMinutes(),
  ).toZonedDateTime(timeZone, { disambiguation: 'compatible' }).epochMilliseconds;
}

/**
 * The oracle's occurrences after `after` and before `before`, at most `take`: fitting wall times
 * in order, COUNT of them at most, mapped as RFC 5545 says, each kept only if later than all
 * before it. Walls more than three days before `after` are surely earlier and are not mapped.
 */
function oracle(
  g: Generated,
  series: Series,
  after: number,
  before: number,
  take: number,
): number[] {
  const found: number[] = [];
  let latest = after;
  let seen = 0;
  for (const wall of walls(g, startWall(series))) {
    seen += 1;
    if (g.count !== null && seen > g.count) break;
    if (wall < after - 3 * DAY) continue;
    const at = instantOf(wall, series.timeZone);
    if (at <= latest) continue;
    if (at >= before) break;
    latest = at;
    found.push(at);
    if (found.length >= take) break;
  }
  return found;
}

// ---- Checks read through Intl, not through the time-zone library under test. ----

const formats = new Map<string, Intl.DateTimeFormat>();

function wallOf(instant: number, timeZone: string): number {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(instant));
  const field = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'));
}

/** The wall time, moved back over the gap just before it, fits the rule and does not exist. */
function movedByGap(g: Generated, series: Series, instant: number): boolean {
  // A moved time often lands exactly on the change, and 'previous' looks strictly before.
  const zoned = Temporal.Instant.fromEpochMilliseconds(instant + 1).toZonedDateTimeISO(
    series.timeZone,
  );
  const change = zoned.getTimeZoneTransition('previous');
  if (change === null) return false;
  const gap =
    (change.offsetNanoseconds - change.subtract({ nanoseconds: 1 }).offsetNanoseconds) / 1e6;
  if (gap <= 0) return false;
  const intended = wallOf(instant, series.timeZone) - gap;
  const w = new Date(intended);
  let exists = true;
  try {
    new Temporal.PlainDateTime(
      w.getUTCFullYear(),
      w.getUTCMonth() + 1,
      w.getUTCDate(),
      w.getUTCHours(),
      w.getUTCMinutes(),
    ).toZonedDateTime(series.timeZone, { disambiguation: 'reject' });
  } catch {
    exists = false;
  }
  return !exists && fits(g, startWall(series), intended);
}

function parsed(g: Generated, timeZone: string, start: Date): Series | null {
  try {
    return parseSeries({ rule: text(g), timeZone, start });
  } catch (error) {
    // A generated rule may never match (every 3 hours from 02:00, only at 07:00) or be one we
    // refuse (MINUTELY every 45 minutes with BYHOUR): a rejection, never a crash or a hang.
    expect(error).toBeInstanceOf(RecurrenceError);
    expect((error as RecurrenceError).field).toBe('rule');
    return null;
  }
}

const subDaily = (g: Generated): boolean => g.freq === 'HOURLY' || g.freq === 'MINUTELY';

describe('properties', () => {
  it('occurrences strictly increase, fit the rule unless a DST gap moved them, and miss none', () => {
    fc.assert(
      fc.property(cases, ([timeZone, start, g]) => {
        const series = parsed(g, timeZone, start);
        if (series === null) return;
        const to = series.start.getTime() + (subDaily(g) ? 5 : 4 * 365) * DAY;
        const actual = occurrencesBetween(series, series.start, new Date(to), 100).map((d) =>
          d.getTime(),
        );
        let previous = series.start.getTime() - 1;
        for (const at of actual) {
          expect(at).toBeGreaterThan(previous);
          previous = at;
          if (!fits(g, startWall(series), wallOf(at, timeZone))) {
            expect(movedByGap(g, series, at), `${new Date(at).toISOString()} in ${timeZone}`).toBe(
              true,
            );
          }
        }
        expect(actual).toEqual(oracle(g, series, series.start.getTime() - 1, to, 100));
      }),
      { numRuns: 250 },
    );
  });

  it('nextOccurrence steps through the same occurrences as occurrencesBetween', () => {
    fc.assert(
      fc.property(cases, ([timeZone, start, g]) => {
        const series = parsed(g, timeZone, start);
        if (series === null) return;
        const to = new Date(series.start.getTime() + (subDaily(g) ? 5 : 4 * 365) * DAY);
        const occurrences = occurrencesBetween(series, series.start, to, 25);
        for (const [i, at] of occurrences.entries()) {
          expect(nextOccurrence(series, new Date(at.getTime() - 1))).toEqual(at);
          const next = nextOccurrence(series, at);
          if (i + 1 < occurrences.length) expect(next).toEqual(occurrences[i + 1]);
          else if (next !== null) expect(next.getTime()).toBeGreaterThan(at.getTime());
        }
      }),
      { numRuns: 120 },
    );
  });

  it('gives the right next occurrence long after the start (the walk starts near `after`)', () => {
    const input = cases.chain((c) =>
      fc.tuple(fc.constant(c), fc.double({ min: 0, max: 1, noNaN: true })),
    );
    fc.assert(
      fc.property(input, ([[timeZone, start, g], fraction]) => {
        const series = parsed(g, timeZone, start);
        if (series === null) return;
        const span = (subDaily(g) ? 60 : 8 * 365) * DAY;
        const after = series.start.getTime() + Math.floor(fraction * span);
        const expected = oracle(g, series, after, Number.POSITIVE_INFINITY, 1)[0] ?? null;
        expect(nextOccurrence(series, new Date(after))?.getTime() ?? null).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });
});
