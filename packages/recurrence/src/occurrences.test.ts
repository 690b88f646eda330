import { describe, expect, it } from 'vitest';
import { nextOccurrence, occurrencesBetween } from './occurrences.ts';
import { parseSeries } from './series.ts';

const iso = (dates: readonly Date[]): string[] => dates.map((d) => d.toISOString());

function series(rule: string, timeZone: string, start: string) {
  return parseSeries({ rule, timeZone, start: new Date(start) });
}

function preview(rule: string, timeZone: string, start: string, to: string, limit = 50) {
  return iso(
    occurrencesBetween(series(rule, timeZone, start), new Date(start), new Date(to), limit),
  );
}

describe('occurrences across daylight-saving changes', () => {
  it('keeps 09:00 Europe/Berlin across the 2027 spring and autumn changes', () => {
    expect(
      preview('FREQ=DAILY', 'Europe/Berlin', '2027-03-26T08:00:00Z', '2027-03-30T00:00:00Z'),
    ).toEqual([
      '2027-03-26T08:00:00.000Z',
      '2027-03-27T08:00:00.000Z',
      '2027-03-28T07:00:00.000Z', // CEST from here on
      '2027-03-29T07:00:00.000Z',
    ]);
    expect(
      preview('FREQ=DAILY', 'Europe/Berlin', '2027-10-29T07:00:00Z', '2027-11-02T00:00:00Z'),
    ).toEqual([
      '2027-10-29T07:00:00.000Z',
      '2027-10-30T07:00:00.000Z',
      '2027-10-31T08:00:00.000Z', // CET again
      '2027-11-01T08:00:00.000Z',
    ]);
  });

  it('moves 02:30 America/New_York on the spring-forward day forward by the gap, to 03:30 EDT', () => {
    const daily = series(
      'FREQ=DAILY;BYHOUR=2;BYMINUTE=30',
      'America/New_York',
      '2027-03-12T00:00:00Z',
    );
    expect(
      iso(occurrencesBetween(daily, daily.start, new Date('2027-03-16T12:00:00Z'), 10)),
    ).toEqual([
      '2027-03-12T07:30:00.000Z', // 02:30 EST
      '2027-03-13T07:30:00.000Z',
      '2027-03-14T07:30:00.000Z', // no 02:30 that day: 03:30 EDT
      '2027-03-15T06:30:00.000Z', // 02:30 EDT
      '2027-03-16T06:30:00.000Z',
    ]);
  });

  it('takes the first 01:30 America/New_York on the fall-back day (EDT)', () => {
    const daily = series('FREQ=DAILY', 'America/New_York', '2027-11-06T05:30:00Z'); // 01:30 EDT
    expect(nextOccurrence(daily, new Date('2027-11-06T05:30:00Z'))).toEqual(
      new Date('2027-11-07T05:30:00Z'), // the first 01:30, still EDT; the second is 06:30Z
    );
    expect(nextOccurrence(daily, new Date('2027-11-07T05:30:00Z'))).toEqual(
      new Date('2027-11-08T06:30:00Z'), // 01:30 EST
    );
  });

  it("follows Australia/Lord_Howe's 30-minute shifts", () => {
    // +10:30 in winter, +11:00 from 02:00 on 3 October 2027, back at 02:00 on 4 April 2027.
    expect(
      preview('FREQ=DAILY', 'Australia/Lord_Howe', '2027-10-01T15:45:00Z', '2027-10-05T00:00:00Z'),
    ).toEqual([
      '2027-10-01T15:45:00.000Z', // 02:15 +10:30
      '2027-10-02T15:45:00.000Z', // 02:15 does not exist: 02:45 +11:00
      '2027-10-03T15:15:00.000Z', // 02:15 +11:00
      '2027-10-04T15:15:00.000Z',
    ]);
    const fallBack = series('FREQ=DAILY', 'Australia/Lord_Howe', '2027-04-02T14:45:00Z'); // 01:45 +11
    expect(nextOccurrence(fallBack, fallBack.start)).toEqual(new Date('2027-04-03T14:45:00Z'));
    expect(nextOccurrence(fallBack, new Date('2027-04-03T14:45:00Z'))).toEqual(
      new Date('2027-04-04T15:15:00Z'),
    );
  });

  it('gives strictly increasing instants for a quarter-hourly rule through a gap and an overlap', () => {
    const quarterly = series(
      'FREQ=MINUTELY;INTERVAL=15',
      'America/New_York',
      '2027-03-14T06:00:00Z',
    );
    expect(
      iso(occurrencesBetween(quarterly, quarterly.start, new Date('2027-03-14T08:01:00Z'), 20)),
    ).toEqual([
      '2027-03-14T06:00:00.000Z', // 01:00 EST
      '2027-03-14T06:15:00.000Z',
      '2027-03-14T06:30:00.000Z',
      '2027-03-14T06:45:00.000Z',
      '2027-03-14T07:00:00.000Z', // 02:00 does not exist: 03:00 EDT
      '2027-03-14T07:15:00.000Z',
      '2027-03-14T07:30:00.000Z',
      '2027-03-14T07:45:00.000Z', // 02:45 -> 03:45 EDT; the real 03:00 to 03:45 are the same instants
      '2027-03-14T08:00:00.000Z', // 04:00 EDT
    ]);
    const autumn = series('FREQ=HOURLY', 'America/New_York', '2027-11-07T04:00:00Z'); // 00:00 EDT
    expect(
      iso(occurrencesBetween(autumn, autumn.start, new Date('2027-11-07T08:00:00Z'), 10)),
    ).toEqual([
      '2027-11-07T04:00:00.000Z', // 00:00 EDT
      '2027-11-07T05:00:00.000Z', // 01:00 EDT, the first; the wall clock has no second 01:00
      '2027-11-07T07:00:00.000Z', // 02:00 EST
    ]);
  });
});

describe('calendar rules', () => {
  it('skips months without a 31st for BYMONTHDAY=31', () => {
    expect(
      preview(
        'FREQ=MONTHLY;BYMONTHDAY=31',
        'Europe/Berlin',
        '2027-01-01T08:00:00Z',
        '2028-01-01T00:00:00Z',
      ),
    ).toEqual([
      '2027-01-31T08:00:00.000Z',
      '2027-03-31T07:00:00.000Z',
      '2027-05-31T07:00:00.000Z',
      '2027-07-31T07:00:00.000Z',
      '2027-08-31T07:00:00.000Z',
      '2027-10-31T08:00:00.000Z',
      '2027-12-31T08:00:00.000Z',
    ]);
  });

  it('takes the last day of each month for BYMONTHDAY=-1', () => {
    expect(
      preview('FREQ=MONTHLY;BYMONTHDAY=-1', 'UTC', '2027-12-01T09:00:00Z', '2028-05-01T00:00:00Z'),
    ).toEqual([
      '2027-12-31T09:00:00.000Z',
      '2028-01-31T09:00:00.000Z',
      '2028-02-29T09:00:00.000Z',
      '2028-03-31T09:00:00.000Z',
      '2028-04-30T09:00:00.000Z',
    ]);
  });

  it('keeps to Monday, Wednesday and Friday for BYDAY=MO,WE,FR', () => {
    // 2027-03-01 is a Monday.
    expect(
      preview(
        'FREQ=WEEKLY;BYDAY=MO,WE,FR',
        'Europe/Berlin',
        '2027-03-02T08:00:00Z',
        '2027-03-13T00:00:00Z',
      ),
    ).toEqual([
      '2027-03-03T08:00:00.000Z',
      '2027-03-05T08:00:00.000Z',
      '2027-03-08T08:00:00.000Z',
      '2027-03-10T08:00:00.000Z',
      '2027-03-12T08:00:00.000Z',
    ]);
  });

  it('falls on February 29 only in leap years', () => {
    expect(preview('FREQ=YEARLY', 'UTC', '2028-02-29T09:00:00Z', '2040-01-01T00:00:00Z')).toEqual([
      '2028-02-29T09:00:00.000Z',
      '2032-02-29T09:00:00.000Z',
      '2036-02-29T09:00:00.000Z',
    ]);
    const leapDay = series('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', 'UTC', '2029-01-01T09:00:00Z');
    expect(nextOccurrence(leapDay, leapDay.start)).toEqual(new Date('2032-02-29T09:00:00Z'));
  });

  it('ends after COUNT occurrences', () => {
    const three = series('FREQ=WEEKLY;COUNT=3', 'Europe/Berlin', '2027-01-04T08:00:00Z');
    expect(
      iso(occurrencesBetween(three, three.start, new Date('2028-01-01T00:00:00Z'), 10)),
    ).toEqual(['2027-01-04T08:00:00.000Z', '2027-01-11T08:00:00.000Z', '2027-01-18T08:00:00.000Z']);
    expect(nextOccurrence(three, new Date('2027-01-11T08:00:00Z'))).toEqual(
      new Date('2027-01-18T08:00:00Z'),
    );
    expect(nextOccurrence(three, new Date('2027-01-18T08:00:00Z'))).toBeNull();
  });

  it('ends at UNTIL, inclusive', () => {
    const daily = series(
      'FREQ=DAILY;UNTIL=20270103T080000Z',
      'Europe/Berlin',
      '2027-01-01T08:00:00Z',
    );
    expect(
      iso(occurrencesBetween(daily, daily.start, new Date('2028-01-01T00:00:00Z'), 10)),
    ).toEqual(['2027-01-01T08:00:00.000Z', '2027-01-02T08:00:00.000Z', '2027-01-03T08:00:00.000Z']);
    expect(nextOccurrence(daily, new Date('2027-01-03T08:00:00Z'))).toBeNull();
    expect(nextOccurrence(daily, new Date('2030-01-01T00:00:00Z'))).toBeNull();
  });

  it('counts INTERVAL from the series start, even when the start is years ago', () => {
    // Every third Tuesday and Thursday from Tuesday 2017-01-03.
    const fortnights = series(
      'FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,TH',
      'Europe/Berlin',
      '2017-01-03T08:00:00Z',
    );
    const weeks = (d: Date): number =>
      Math.floor((d.getTime() - Date.UTC(2017, 0, 2)) / (7 * 86_400_000));
    const next = occurrencesBetween(
      fortnights,
      new Date('2027-06-01T00:00:00Z'),
      new Date('2027-09-01T00:00:00Z'),
      20,
    );
    expect(next.length).toBeGreaterThan(4);
    for (const d of next) {
      expect(weeks(d) % 3).toBe(0);
      expect([2, 4]).toContain(d.getUTCDay());
    }
    const everyFifthDay = series('FREQ=DAILY;INTERVAL=5', 'UTC', '2017-01-01T09:00:00Z');
    const day = nextOccurrence(everyFifthDay, new Date('2027-06-01T00:00:00Z'));
    expect(((day?.getTime() ?? 0) - Date.UTC(2017, 0, 1, 9)) % (5 * 86_400_000)).toBe(0);
  });

  it('walks every 15 minutes in BYHOUR on BYDAY days without skipping weeks', () => {
    // rrule alone yields 1 March, then 22 March: its MINUTELY loop jumps whole hours across days.
    const mondays = series(
      'FREQ=MINUTELY;INTERVAL=15;BYHOUR=9;BYDAY=MO',
      'UTC',
      '2027-03-01T09:00:00Z',
    );
    const found = iso(
      occurrencesBetween(mondays, mondays.start, new Date('2027-03-16T00:00:00Z'), 20),
    );
    expect(found).toEqual(
      ['01', '08', '15'].flatMap((day) =>
        ['00', '15', '30', '45'].map((minute) => `2027-03-${day}T09:${minute}:00.000Z`),
      ),
    );
    const everyTwoHours = series(
      'FREQ=MINUTELY;INTERVAL=120;BYHOUR=9,11,12',
      'UTC',
      '2027-03-01T09:30:00Z',
    );
    expect(
      iso(
        occurrencesBetween(everyTwoHours, everyTwoHours.start, new Date('2027-03-02T10:00:00Z'), 5),
      ),
    ).toEqual(['2027-03-01T09:30:00.000Z', '2027-03-01T11:30:00.000Z', '2027-03-02T09:30:00.000Z']);
  });

  it('returns instants strictly after `after`, and at most `limit` of them', () => {
    const daily = series('FREQ=DAILY', 'UTC', '2027-01-01T09:00:00Z');
    expect(nextOccurrence(daily, new Date('2027-01-05T09:00:00Z'))).toEqual(
      new Date('2027-01-06T09:00:00Z'),
    );
    expect(nextOccurrence(daily, new Date('2027-01-05T08:59:59.999Z'))).toEqual(
      new Date('2027-01-05T09:00:00Z'),
    );
    expect(nextOccurrence(daily, new Date('2020-01-01T00:00:00Z'))).toEqual(daily.start);
    expect(
      occurrencesBetween(daily, daily.start, new Date('2028-01-01T00:00:00Z'), 3),
    ).toHaveLength(3);
    expect(() => occurrencesBetween(daily, daily.start, daily.start, 0)).toThrow(RangeError);
    expect(() => nextOccurrence(daily, new Date(Number.NaN))).toThrow(RangeError);
  });
});
