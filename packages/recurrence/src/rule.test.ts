import { describe, expect, it } from 'vitest';
import { RecurrenceError } from './errors.ts';
import { formatRule, parseRule } from './rule.ts';

function rejection(text: string): string {
  try {
    parseRule(text);
  } catch (error) {
    expect(error).toBeInstanceOf(RecurrenceError);
    expect((error as RecurrenceError).field).toBe('rule');
    return (error as RecurrenceError).message;
  }
  throw new Error(`expected "${text}" to be rejected`);
}

describe('parseRule', () => {
  it('accepts a rule with or without the RRULE: prefix, in any case', () => {
    const plain = parseRule('FREQ=WEEKLY;BYDAY=MO,WE');
    expect(parseRule('RRULE:FREQ=WEEKLY;BYDAY=MO,WE')).toEqual(plain);
    expect(parseRule('rrule:freq=weekly;byday=mo,we;')).toEqual(plain);
    expect(plain.byDay).toEqual([
      { weekday: 'MO', nth: null },
      { weekday: 'WE', nth: null },
    ]);
  });

  it('writes a canonical rule', () => {
    const rule = parseRule('RRULE:BYDAY=+2TU;INTERVAL=1;FREQ=MONTHLY;WKST=MO;COUNT=05');
    expect(formatRule(rule)).toBe('FREQ=MONTHLY;COUNT=5;BYDAY=2TU');
    expect(formatRule(parseRule('FREQ=DAILY;UNTIL=20271231T235959Z;BYHOUR=9,17'))).toBe(
      'FREQ=DAILY;UNTIL=20271231T235959Z;BYHOUR=9,17',
    );
  });

  it('reads the three forms of UNTIL', () => {
    expect(parseRule('FREQ=DAILY;UNTIL=20271231T120000Z').until).toMatchObject({
      kind: 'instant',
      at: new Date('2027-12-31T12:00:00Z'),
    });
    expect(parseRule('FREQ=DAILY;UNTIL=20271231T120000').until).toMatchObject({
      kind: 'local',
      at: { year: 2027, month: 12, day: 31, hour: 12, minute: 0 },
    });
    // A bare date is the whole day.
    expect(parseRule('FREQ=DAILY;UNTIL=20271231').until).toMatchObject({
      kind: 'local',
      at: { year: 2027, month: 12, day: 31, hour: 23, minute: 59 },
    });
  });

  it.each([
    ['', /empty/],
    ['FREQ=DAILY;' + 'BYHOUR=1;'.repeat(30), /at most 255/],
    ['hello', /NAME=VALUE/],
    ['FREQ=DAILY;INTERVAL=', /NAME=VALUE/],
    ['INTERVAL=2', /FREQ is required/],
    ['FREQ=FORTNIGHTLY', /FREQ must be one of/],
    ['FREQ=SECONDLY', /SECONDLY is not supported/],
    ['FREQ=MINUTELY;BYSECOND=0,30', /BYSECOND is not supported/],
    ['FREQ=DAILY;FREQ=WEEKLY', /twice/],
    ['FREQ=DAILY;X-NAME=1', /unknown rule part X-NAME/],
    ['FREQ=DAILY;BYEASTER=0', /unknown rule part BYEASTER/],
    ['DTSTART:20270101T090000Z\nRRULE:FREQ=DAILY', /DTSTART is not allowed/],
    ['FREQ=DAILY;DTSTART=20270101T090000Z', /DTSTART is not allowed/],
    ['RRULE:FREQ=DAILY\nEXDATE:20270102T090000Z', /single RRULE line/],
    ['FREQ=DAILY;COUNT=0', /COUNT must be at least 1/],
    ['FREQ=DAILY;COUNT=1001', /COUNT may be at most 1000/],
    ['FREQ=DAILY;COUNT=ten', /whole number/],
    ['FREQ=DAILY;INTERVAL=0', /INTERVAL must be between 1/],
    ['FREQ=DAILY;INTERVAL=1.5', /whole number/],
    ['FREQ=DAILY;COUNT=3;UNTIL=20271231T000000Z', /COUNT and UNTIL/],
    ['FREQ=DAILY;UNTIL=2027-12-31', /UNTIL must look like/],
    ['FREQ=DAILY;UNTIL=20270230', /not a real date/],
    ['FREQ=DAILY;BYHOUR=24', /BYHOUR values must be 0 to 23/],
    ['FREQ=DAILY;BYMINUTE=60', /BYMINUTE values must be 0 to 59/],
    ['FREQ=MONTHLY;BYMONTHDAY=0', /BYMONTHDAY values/],
    ['FREQ=MONTHLY;BYMONTHDAY=32', /BYMONTHDAY values/],
    ['FREQ=YEARLY;BYMONTH=13', /BYMONTH values/],
    ['FREQ=WEEKLY;BYDAY=XX', /BYDAY entries/],
    ['FREQ=MONTHLY;BYDAY=0MO', /BYDAY entries/],
    ['FREQ=WEEKLY;BYDAY=2MO', /numbered BYDAY/],
    ['FREQ=MONTHLY;BYDAY=6MO', /between -5 and 5/],
    ['FREQ=MONTHLY;BYWEEKNO=1', /BYWEEKNO needs FREQ=YEARLY/],
    ['FREQ=MONTHLY;BYYEARDAY=100', /BYYEARDAY cannot be used/],
    ['FREQ=WEEKLY;BYMONTHDAY=1', /BYMONTHDAY cannot be used/],
    ['FREQ=MONTHLY;BYSETPOS=1', /BYSETPOS needs another/],
    ['FREQ=WEEKLY;WKST=XX', /WKST must be one of/],
  ])('rejects %j', (text, message) => {
    expect(rejection(text)).toMatch(message);
  });
});
