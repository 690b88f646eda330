import { describe, expect, it } from 'vitest';
import { RULE_PATTERN, TIME_ZONES } from '@taskflow/contracts';
import { AppError } from '@taskflow/service-kit';
import { planSeries, seriesFields } from './series-input.ts';

const now = new Date('2027-01-01T12:00:00Z');
const plan = (rule: string, extra: Partial<Parameters<typeof planSeries>[0]> = {}, prefix = '') =>
  planSeries(
    { rule, time_zone: 'Europe/Berlin', mode: 'schedule', ...extra },
    { defaultStart: new Date('2027-01-04T08:00:30Z'), now, pathPrefix: prefix },
  );

function failure(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('planSeries', () => {
  it('runs a series in every time zone the published schema lists, spelt as listed', () => {
    for (const zone of TIME_ZONES) {
      expect(plan('FREQ=DAILY', { time_zone: zone }).timeZone).toBe(zone);
    }
  }, 30_000); // about 600 zones, each a series planned from scratch

  it('reads every rule the published pattern shows in the docs', () => {
    for (const rule of [
      'FREQ=WEEKLY;BYDAY=MO,WE',
      'RRULE:freq=daily;',
      'FREQ=DAILY;UNTIL=20301231T000000Z',
    ]) {
      expect(RULE_PATTERN.test(rule)).toBe(true);
      expect(plan(rule).recurrenceRule).toMatch(/^FREQ=/);
    }
  });

  it('leaves to the schema what it can say: a rule without FREQ, or an unknown part', () => {
    for (const rule of [
      'INTERVAL=2',
      'FREQ=DAILY;FOO=1',
      'FREQ=SOMETIMES',
      'FREQ=DAILY;FREQ=WEEKLY',
      'DTSTART=20300101',
    ]) {
      expect(RULE_PATTERN.test(rule), rule).toBe(false);
    }
    for (const rule of [
      'interval=2;freq=daily',
      'FREQ=MINUTELY;INTERVAL=15',
      'FREQ=MONTHLY;BYMONTHDAY=-1',
    ]) {
      expect(RULE_PATTERN.test(rule), rule).toBe(true);
      expect(plan(rule).recurrenceRule).toMatch(/FREQ=/);
    }
  });

  it('stores the canonical rule and zone, the start to the minute, the first occurrence', () => {
    expect(plan('rrule:freq=weekly;byday=mo', { time_zone: 'europe/berlin' })).toEqual({
      recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO',
      timeZone: 'Europe/Berlin',
      recurrenceMode: 'schedule',
      seriesStart: new Date('2027-01-04T08:00:00Z'),
      nextOccurrence: new Date('2027-01-04T08:00:00Z'),
    });
  });

  it('turns a RecurrenceError into a 422 naming the field (with the body prefix)', () => {
    const error = failure(() => plan('FREQ=DAILY', { time_zone: 'Nowhere/Land' }, 'recurrence.'));
    expect(error.code).toBe('unprocessable');
    expect(error.message).toMatch(/^recurrence\.time_zone: unknown time zone "Nowhere\/Land"/);
    expect(error.details).toEqual([
      { location: 'body', path: 'recurrence.time_zone', message: expect.any(String) },
    ]);
  });

  it('refuses a series that is over before now', () => {
    const error = failure(() =>
      plan('FREQ=DAILY;UNTIL=20261231T000000Z', { start: '2026-12-01T08:00:00.000Z' }),
    );
    expect(error.details?.[0]).toMatchObject({ path: 'rule', message: /before now/ });
  });
});

describe('seriesFields', () => {
  it('leaves a one-off task without recurrence', () => {
    expect(seriesFields(undefined)).toEqual({
      recurrence_rule: null,
      is_recurring: false,
      next_occurrence: null,
      time_zone: null,
      recurrence_mode: null,
      series_start: null,
    });
  });
});
