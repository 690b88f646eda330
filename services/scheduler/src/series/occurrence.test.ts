import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Task } from '@taskflow/contracts';
import { nextOccurrence, parseSeries } from '@taskflow/recurrence';
import { StoredSeriesError, latestOccurrence, planSpawn, storedSeries } from './occurrence.ts';

// Berlin: CET (UTC+1) in winter; 09:00 there is 08:00Z. 2027-01-04 is a Monday.
const dailyAt9 = parseSeries({
  rule: 'FREQ=DAILY',
  timeZone: 'Europe/Berlin',
  start: new Date('2027-01-04T08:00:00Z'),
});
const at = (iso: string) => new Date(iso);

describe('planSpawn', () => {
  it('spawns the due occurrence and moves to the next one (the normal, on-time tick)', () => {
    expect(
      planSpawn(dailyAt9, 'schedule', at('2027-01-10T08:00:00Z'), at('2027-01-10T08:00:00.400Z')),
    ).toEqual({
      occurrence: at('2027-01-10T08:00:00Z'),
      next: at('2027-01-11T08:00:00Z'),
      recurring: true,
    });
  });

  it('after downtime spawns only the latest missed occurrence, then the next after now', () => {
    // Down from the 10th to the 15th, 10:30 Berlin: the 15th, 09:00, is the one to spawn.
    expect(
      planSpawn(dailyAt9, 'schedule', at('2027-01-10T08:00:00Z'), at('2027-01-15T09:30:00Z')),
    ).toEqual({
      occurrence: at('2027-01-15T08:00:00Z'),
      next: at('2027-01-16T08:00:00Z'),
      recurring: true,
    });
    // Back at 08:30 Berlin, before that day's occurrence: the previous day's.
    expect(
      planSpawn(dailyAt9, 'schedule', at('2027-01-10T08:00:00Z'), at('2027-01-15T07:30:00Z'))
        .occurrence,
    ).toEqual(at('2027-01-14T08:00:00Z'));
  });

  it('counts an occurrence exactly at now as due', () => {
    const now = at('2027-01-12T08:00:00Z');
    expect(planSpawn(dailyAt9, 'schedule', at('2027-01-10T08:00:00Z'), now).occurrence).toEqual(
      now,
    );
  });

  it('in completion mode waits after the spawn: no next occurrence, still recurring', () => {
    expect(
      planSpawn(dailyAt9, 'completion', at('2027-01-10T08:00:00Z'), at('2027-01-10T08:00:01Z')),
    ).toEqual({ occurrence: at('2027-01-10T08:00:00Z'), next: null, recurring: true });
  });

  it('keeps a pending occurrence that is off the rule grid (completion mode re-anchors)', () => {
    const offGrid = at('2027-01-10T13:17:00Z');
    expect(
      planSpawn(dailyAt9, 'completion', offGrid, at('2027-01-10T13:17:00.500Z')).occurrence,
    ).toEqual(offGrid);
  });

  it('stops the series with its last occurrence (COUNT), also when that was missed', () => {
    const three = parseSeries({
      rule: 'FREQ=DAILY;COUNT=3',
      timeZone: 'Europe/Berlin',
      start: new Date('2027-01-04T08:00:00Z'),
    });
    expect(
      planSpawn(three, 'schedule', at('2027-01-06T08:00:00Z'), at('2027-01-06T08:00:01Z')),
    ).toEqual({ occurrence: at('2027-01-06T08:00:00Z'), next: null, recurring: false });
    expect(
      planSpawn(three, 'schedule', at('2027-01-04T08:00:00Z'), at('2027-02-01T00:00:00Z')),
    ).toEqual({ occurrence: at('2027-01-06T08:00:00Z'), next: null, recurring: false });
  });

  it('keeps wall-clock time across the spring-forward change', () => {
    // 2027-03-28: Berlin moves to CEST (UTC+2); 09:00 is then 07:00Z.
    expect(
      planSpawn(dailyAt9, 'schedule', at('2027-03-27T08:00:00Z'), at('2027-03-27T08:00:01Z')).next,
    ).toEqual(at('2027-03-28T07:00:00Z'));
  });
});

describe('latestOccurrence', () => {
  it('finds the latest of a quarter-hourly series a year late, quickly', () => {
    const quarterly = parseSeries({
      rule: 'FREQ=MINUTELY;INTERVAL=15',
      timeZone: 'America/New_York',
      start: new Date('2026-01-01T00:00:00Z'),
    });
    const started = performance.now();
    const { occurrence, following } = latestOccurrence(
      quarterly,
      at('2026-01-01T00:00:00Z'),
      at('2027-01-01T10:07:30Z'),
    );
    expect(performance.now() - started).toBeLessThan(50);
    expect(occurrence).toEqual(at('2027-01-01T10:00:00Z'));
    expect(following).toEqual(at('2027-01-01T10:15:00Z'));
  });

  const rules = fc.constantFrom(
    'FREQ=DAILY',
    'FREQ=WEEKLY;BYDAY=MO,WE,FR',
    'FREQ=MONTHLY;BYMONTHDAY=-1',
    'FREQ=HOURLY;INTERVAL=3;BYMINUTE=30',
    'FREQ=MINUTELY;INTERVAL=15;BYHOUR=1,2,3',
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
    'FREQ=DAILY;COUNT=40',
  );
  const zones = fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'UTC');

  it('is an occurrence in [due, now] with none after it up to now (property)', () => {
    fc.assert(
      fc.property(
        rules,
        zones,
        fc.integer({ min: 0, max: 400 * 24 * 60 }),
        fc.integer({ min: 0, max: 3 * 365 * 24 * 60 * 60_000 }),
        (rule, timeZone, dueOffsetMinutes, lateMs) => {
          const series = parseSeries({
            rule,
            timeZone,
            start: new Date(Date.UTC(2026, 0, 1) + dueOffsetMinutes * 60_000),
          });
          const due = nextOccurrence(series, new Date(series.start.getTime() - 1));
          if (due === null) return;
          const now = new Date(due.getTime() + lateMs);
          const { occurrence, following } = latestOccurrence(series, due, now);
          expect(occurrence.getTime()).toBeGreaterThanOrEqual(due.getTime());
          expect(occurrence.getTime()).toBeLessThanOrEqual(now.getTime());
          if (occurrence.getTime() !== due.getTime()) {
            // On the rule's grid.
            expect(nextOccurrence(series, new Date(occurrence.getTime() - 1))).toEqual(occurrence);
          }
          expect(following).toEqual(nextOccurrence(series, occurrence));
          if (following !== null) expect(following.getTime()).toBeGreaterThan(now.getTime());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('storedSeries', () => {
  const row = {
    id: '7f1c7c9e-7a55-4c1a-9d4f-2d5c6b7a8e90',
    recurrence_rule: 'FREQ=DAILY',
    time_zone: 'Europe/Berlin',
    series_start: '2027-01-04T08:00:00.000Z',
  } as Task;

  it('reads the series back', () => {
    expect(storedSeries(row).rule).toBe('FREQ=DAILY');
  });

  it.each([
    ['no rule', { recurrence_rule: null }],
    ['no zone', { time_zone: null }],
    ['no start', { series_start: null }],
    ['a rule the library refuses', { recurrence_rule: 'FREQ=MINUTELY' }],
  ])('throws StoredSeriesError for %s', (_name, change) => {
    expect(() => storedSeries({ ...row, ...change })).toThrow(StoredSeriesError);
  });
});
