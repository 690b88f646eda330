import { describe, expect, it } from 'vitest';
import { nextAfterCompletion } from './completion.ts';
import { parseSeries } from './series.ts';

function after(
  rule: string,
  start: string,
  completedAt: string,
  timeZone = 'Europe/Berlin',
): string | null {
  const series = parseSeries({ rule, timeZone, start: new Date(start) });
  return nextAfterCompletion(series, new Date(completedAt))?.toISOString() ?? null;
}

// 2027-03-02 is a Tuesday. 09:00 Berlin is 08:00Z in winter, 07:00Z in summer.
describe('nextAfterCompletion', () => {
  it('counts INTERVAL days from the completion day, keeping the time of day', () => {
    const rule = 'FREQ=DAILY;INTERVAL=3';
    const start = '2027-03-01T08:00:00Z';
    expect(after(rule, start, '2027-03-02T19:00:00Z')).toBe('2027-03-05T08:00:00.000Z');
    // Done early, before that day's 09:00: still three days on.
    expect(after(rule, start, '2027-03-02T07:00:00Z')).toBe('2027-03-05T08:00:00.000Z');
    // The phase of the fixed schedule (1, 4, 7 March) does not matter.
    expect(after('FREQ=DAILY', start, '2027-03-02T19:00:00Z')).toBe('2027-03-03T08:00:00.000Z');
  });

  it('keeps the wall-clock time across a DST change', () => {
    expect(after('FREQ=DAILY', '2027-03-01T08:00:00Z', '2027-03-27T12:00:00Z')).toBe(
      '2027-03-28T07:00:00.000Z',
    );
  });

  it('takes the weekday of FREQ=WEEKLY from the completion, keeps an explicit BYDAY', () => {
    // Series on Mondays; done on Wednesday 3 March: next Wednesday.
    expect(after('FREQ=WEEKLY', '2027-03-01T08:00:00Z', '2027-03-03T10:00:00Z')).toBe(
      '2027-03-10T08:00:00.000Z',
    );
    // BYDAY spelled out: the first of those days in the next week.
    expect(
      after('FREQ=WEEKLY;BYDAY=MO,WE,FR', '2027-03-01T08:00:00Z', '2027-03-03T10:00:00Z'),
    ).toBe('2027-03-08T08:00:00.000Z');
  });

  it('takes the day of FREQ=MONTHLY from the completion', () => {
    expect(after('FREQ=MONTHLY', '2027-01-01T08:00:00Z', '2027-03-15T10:00:00Z')).toBe(
      '2027-04-15T07:00:00.000Z',
    );
    expect(after('FREQ=MONTHLY;BYMONTHDAY=1', '2027-01-01T08:00:00Z', '2027-03-15T10:00:00Z')).toBe(
      '2027-04-01T07:00:00.000Z',
    );
  });

  it('keeps the grid of a sub-daily rule, one INTERVAL on', () => {
    // Every 2 hours from 09:00 Berlin (08:00Z): 09, 11, 13... Done at 10:17: at least 12:17.
    expect(after('FREQ=HOURLY;INTERVAL=2', '2027-03-01T08:00:00Z', '2027-03-02T09:17:00Z')).toBe(
      '2027-03-02T12:00:00.000Z',
    );
    expect(after('FREQ=MINUTELY;INTERVAL=15', '2027-03-01T08:00:00Z', '2027-03-02T09:07:00Z')).toBe(
      '2027-03-02T09:30:00.000Z',
    );
    // Only hours 9, 11 and 13 exist on this grid: a later completion waits for the next day.
    expect(
      after(
        'FREQ=HOURLY;INTERVAL=2;BYHOUR=9,11,13',
        '2027-03-01T08:00:00Z',
        '2027-03-02T12:30:00Z',
      ),
    ).toBe('2027-03-03T08:00:00.000Z');
  });

  it('ends with the series', () => {
    expect(
      after('FREQ=DAILY;UNTIL=20270305T080000Z', '2027-03-01T08:00:00Z', '2027-03-04T10:00:00Z'),
    ).toBe('2027-03-05T08:00:00.000Z');
    expect(
      after('FREQ=DAILY;UNTIL=20270305T080000Z', '2027-03-01T08:00:00Z', '2027-03-05T10:00:00Z'),
    ).toBeNull();
    expect(after('FREQ=DAILY;COUNT=2', '2027-03-01T08:00:00Z', '2027-03-01T10:00:00Z')).toBe(
      '2027-03-02T08:00:00.000Z',
    );
    expect(after('FREQ=DAILY;COUNT=2', '2027-03-01T08:00:00Z', '2027-03-02T10:00:00Z')).toBeNull();
  });

  it('is never before the series start', () => {
    expect(after('FREQ=DAILY', '2027-03-10T08:00:00Z', '2027-03-01T10:00:00Z')).toBe(
      '2027-03-10T08:00:00.000Z',
    );
    expect(after('FREQ=DAILY', '2027-03-10T08:00:00Z', '2027-03-09T10:00:00Z')).toBe(
      '2027-03-10T08:00:00.000Z',
    );
  });
});
