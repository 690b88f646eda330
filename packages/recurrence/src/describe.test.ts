import { describe, expect, it } from 'vitest';
import { describeRule } from './describe.ts';
import { parseSeries } from './series.ts';

// 2027-03-01 is a Monday; 08:00Z is 09:00 in Berlin.
const text = (rule: string, start = '2027-03-01T08:00:00Z', timeZone = 'Europe/Berlin'): string =>
  describeRule(parseSeries({ rule, timeZone, start: new Date(start) }));

describe('describeRule', () => {
  it.each([
    ['FREQ=WEEKLY', 'every week on Monday at 09:00 (Europe/Berlin)'],
    ['FREQ=DAILY', 'every day at 09:00 (Europe/Berlin)'],
    [
      'FREQ=DAILY;INTERVAL=2;BYHOUR=8,17;BYMINUTE=30',
      'every 2 days at 08:30 and 17:30 (Europe/Berlin)',
    ],
    [
      'FREQ=WEEKLY;BYDAY=MO,WE,FR',
      'every week on Monday, Wednesday and Friday at 09:00 (Europe/Berlin)',
    ],
    ['FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'every week on weekdays at 09:00 (Europe/Berlin)'],
    ['FREQ=MONTHLY', 'every month on the 1st at 09:00 (Europe/Berlin)'],
    ['FREQ=MONTHLY;BYMONTHDAY=-1', 'every month on the last day at 09:00 (Europe/Berlin)'],
    ['FREQ=MONTHLY;BYMONTHDAY=-2', 'every month on the 2nd-to-last day at 09:00 (Europe/Berlin)'],
    ['FREQ=MONTHLY;BYDAY=2TU', 'every month on the second Tuesday at 09:00 (Europe/Berlin)'],
    [
      'FREQ=MONTHLY;BYDAY=-1FR;COUNT=6',
      'every month on the last Friday at 09:00, 6 times (Europe/Berlin)',
    ],
    [
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
      'every month on weekdays (only the last of each month) at 09:00 (Europe/Berlin)',
    ],
    ['FREQ=YEARLY', 'every year on March 1 at 09:00 (Europe/Berlin)'],
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', 'every year on February 29 at 09:00 (Europe/Berlin)'],
    ['FREQ=HOURLY;INTERVAL=2', 'every 2 hours at :00 (Europe/Berlin)'],
    [
      'FREQ=MINUTELY;INTERVAL=15;BYHOUR=9,10',
      'every 15 minutes during 09:00-09:59 and 10:00-10:59 (Europe/Berlin)',
    ],
    [
      'FREQ=DAILY;UNTIL=20271231T230000Z',
      'every day at 09:00, until 2028-01-01 00:00 (Europe/Berlin)',
    ],
    ['FREQ=DAILY;UNTIL=20271231', 'every day at 09:00, until 2027-12-31 23:59 (Europe/Berlin)'],
  ])('%s -> %s', (rule, expected) => {
    expect(text(rule)).toBe(expected);
  });
});
