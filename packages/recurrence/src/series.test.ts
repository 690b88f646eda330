import { describe, expect, it } from 'vitest';
import { RecurrenceError, type RecurrenceField } from './errors.ts';
import { parseSeries, type SeriesInput } from './series.ts';

const base: SeriesInput = {
  rule: 'FREQ=DAILY',
  timeZone: 'Europe/Berlin',
  start: new Date('2027-01-01T08:00:00Z'),
};

function rejection(input: Partial<SeriesInput>): { field: RecurrenceField; message: string } {
  try {
    parseSeries({ ...base, ...input });
  } catch (error) {
    expect(error).toBeInstanceOf(RecurrenceError);
    const { field, message } = error as RecurrenceError;
    return { field, message };
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseSeries', () => {
  it('keeps the canonical rule, the canonical zone, and the start to the minute', () => {
    const series = parseSeries({
      rule: 'RRULE:freq=weekly',
      timeZone: 'europe/berlin',
      start: new Date('2027-01-04T08:00:42.123Z'),
    });
    expect(series.rule).toBe('FREQ=WEEKLY');
    expect(series.timeZone).toBe('Europe/Berlin');
    expect(series.start).toEqual(new Date('2027-01-04T08:00:00Z'));
    expect(series.localStart).toEqual({ year: 2027, month: 1, day: 4, hour: 9, minute: 0 });
    expect(series.end).toBeNull();
  });

  it('turns COUNT into the instant of the last occurrence', () => {
    const series = parseSeries({ ...base, rule: 'FREQ=WEEKLY;COUNT=3' });
    expect(series.end).toEqual(new Date('2027-01-15T08:00:00Z'));
  });

  it('reads a local UNTIL in the series zone, a bare date as the whole day', () => {
    expect(parseSeries({ ...base, rule: 'FREQ=DAILY;UNTIL=20270110T090000' }).end).toEqual(
      new Date('2027-01-10T08:00:00Z'),
    );
    expect(parseSeries({ ...base, rule: 'FREQ=DAILY;UNTIL=20270110' }).end).toEqual(
      new Date('2027-01-10T22:59:00Z'),
    );
  });

  it('accepts 96 occurrences a day', () => {
    expect(() => parseSeries({ ...base, rule: 'FREQ=MINUTELY;INTERVAL=15' })).not.toThrow();
    expect(() => parseSeries({ ...base, rule: 'FREQ=HOURLY;BYMINUTE=0,15,30,45' })).not.toThrow();
    // BYSETPOS keeps one per day of the many times listed.
    expect(() =>
      parseSeries({
        ...base,
        rule: 'FREQ=DAILY;BYHOUR=8,9,10,11,12,13,14,15,16,17;BYMINUTE=0,10,20,30,40,50;BYSETPOS=1',
      }),
    ).not.toThrow();
  });

  it.each<[Partial<SeriesInput>, RecurrenceField, RegExp]>([
    [{ timeZone: 'Mars/Olympus_Mons' }, 'time_zone', /unknown time zone "Mars\/Olympus_Mons"/],
    [{ timeZone: '' }, 'time_zone', /unknown time zone/],
    [{ timeZone: '+01:00' }, 'time_zone', /IANA name/],
    [{ start: new Date(Number.NaN) }, 'start', /valid instant/],
    [{ start: new Date('1800-01-01T00:00:00Z') }, 'start', /between 1900 and 2999/],
    [{ rule: 'FREQ=SECONDLY' }, 'rule', /SECONDLY/],
    [{ rule: 'FREQ=MINUTELY;BYSECOND=0' }, 'rule', /BYSECOND/],
    [{ rule: 'FREQ=MINUTELY' }, 'rule', /1440 occurrences a day; at most 96/],
    [{ rule: 'FREQ=MINUTELY;INTERVAL=10' }, 'rule', /144 occurrences a day/],
    [{ rule: 'FREQ=HOURLY;BYMINUTE=0,10,20,30,40' }, 'rule', /120 occurrences a day/],
    [
      {
        rule: 'FREQ=DAILY;BYHOUR=9,10,11,12,13;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19',
      },
      'rule',
      /100 occurrences a day/,
    ],
    [{ rule: 'FREQ=DAILY;COUNT=0' }, 'rule', /COUNT must be at least 1/],
    [
      { rule: 'FREQ=DAILY;UNTIL=20261231T000000Z' },
      'rule',
      /UNTIL \(2026-12-31T00:00:00.000Z\) is before the series start/,
    ],
    [
      { rule: 'FREQ=DAILY;BYHOUR=7;UNTIL=20270101T080000Z' },
      'rule',
      /no occurrence between the start and UNTIL/,
    ],
    [{ rule: 'DTSTART:20270101T090000Z\nRRULE:FREQ=DAILY' }, 'rule', /DTSTART/],
    [{ rule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' }, 'rule', /matches no date/],
    [{ rule: 'FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31' }, 'rule', /matches no date/],
    // Every 7 days from a Friday never lands on a Monday.
    [{ rule: 'FREQ=DAILY;INTERVAL=7;BYDAY=MO' }, 'rule', /matches no date/],
    [{ rule: 'FREQ=DAILY;BYMONTHDAY=1;COUNT=1000' }, 'rule', /too far apart to count 1000/],
    [{ rule: `FREQ=DAILY;BYHOUR=${'1,'.repeat(130)}1` }, 'rule', /at most 255/],
    // Each of these would send rrule into a loop that never ends (starts at 09:00).
    [
      { rule: 'FREQ=HOURLY;INTERVAL=2;BYHOUR=10' },
      'rule',
      /every 2 hours from 09:00 never falls in BYHOUR=10/,
    ],
    [
      { rule: 'FREQ=MINUTELY;INTERVAL=15;BYMINUTE=7' },
      'rule',
      /never falls on the BYHOUR\/BYMINUTE times/,
    ],
    [
      { rule: 'FREQ=MINUTELY;INTERVAL=120;BYHOUR=10' },
      'rule',
      /never falls on the BYHOUR\/BYMINUTE times/,
    ],
    [{ rule: 'FREQ=MINUTELY;INTERVAL=45;BYHOUR=9,10' }, 'rule', /INTERVAL must divide 60/],
    [{ rule: 'FREQ=MINUTELY;INTERVAL=15;BYHOUR=9;BYSETPOS=1' }, 'rule', /BYSETPOS cannot be used/],
  ])('rejects %j', (input, field, message) => {
    const problem = rejection(input);
    expect(problem.field).toBe(field);
    expect(problem.message).toMatch(message);
  });

  it('rejects a rule that matches no date quickly, not by walking to year 9999', () => {
    const began = performance.now();
    rejection({ rule: 'FREQ=MINUTELY;INTERVAL=15;BYMONTH=2;BYMONTHDAY=30' });
    expect(performance.now() - began).toBeLessThan(2_000);
  });
});
