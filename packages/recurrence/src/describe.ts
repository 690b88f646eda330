import { explicitRule } from './explicit.ts';
import { formatClock, formatLocal } from './local-time.ts';
import type { ByDay, Frequency, Rule, Weekday } from './rule.ts';
import type { Series } from './series.ts';
import { instantToLocal } from './zone.ts';

const UNIT: Record<Frequency, string> = {
  YEARLY: 'year',
  MONTHLY: 'month',
  WEEKLY: 'week',
  DAILY: 'day',
  HOURLY: 'hour',
  MINUTELY: 'minute',
};

const DAY_NAME: Record<Weekday, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};

const MONTH_NAME = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const COUNTED = ['first', 'second', 'third', 'fourth', 'fifth'];

/**
 * The series in words, e.g. "every week on Monday at 09:00 (Europe/Berlin)". Written here rather
 * than with rrule's toText(), which leaves out the time a rule takes from its start, prints
 * "at 9" for 09:00 and "on the last" for BYMONTHDAY=-1.
 */
export function describeRule(series: Series): string {
  const rule = explicitRule(series.parts, series.localStart, series.localStart);
  const words = [every(rule)];
  const days = dayWords(rule);
  if (days !== '') words.push(days);
  if (rule.bySetPos.length > 0) {
    words.push(`(only the ${list(rule.bySetPos.map(position))} of each ${UNIT[rule.freq]})`);
  }
  words.push(clockWords(rule));
  let text = words.filter((w) => w !== '').join(' ');
  if (series.parts.count !== null) {
    text += series.parts.count === 1 ? ', once' : `, ${series.parts.count} times`;
  } else if (series.end !== null) {
    text += `, until ${formatLocal(instantToLocal(series.end, series.timeZone))}`;
  }
  return `${text} (${series.timeZone})`;
}

function every(rule: Rule): string {
  const unit = UNIT[rule.freq];
  return rule.interval === 1 ? `every ${unit}` : `every ${rule.interval} ${unit}s`;
}

/** Which days: "on Monday and Friday", "on the last day", "on February 29", "in week 10". */
function dayWords(rule: Rule): string {
  const words: string[] = [];
  const yearlyDate =
    rule.freq === 'YEARLY' &&
    rule.byMonth.length === 1 &&
    rule.byMonthDay.length > 0 &&
    rule.byDay.length === 0;
  if (yearlyDate) {
    const month = MONTH_NAME[(rule.byMonth[0] ?? 1) - 1] ?? '';
    return `on ${list(rule.byMonthDay.map((d) => (d > 0 ? `${month} ${d}` : `the ${monthDay(d)} of ${month}`)))}`;
  }
  if (rule.byWeekNo.length > 0) words.push(`in week ${list(rule.byWeekNo.map(String))}`);
  if (rule.byYearDay.length > 0) {
    words.push(`on day ${list(rule.byYearDay.map(String))} of the year`);
  }
  if (rule.byMonthDay.length > 0) words.push(`on the ${list(rule.byMonthDay.map(monthDay))}`);
  if (rule.byDay.length > 0) words.push(`on ${weekdays(rule.byDay, rule)}`);
  if (rule.byMonth.length > 0) {
    words.push(`in ${list(rule.byMonth.map((m) => MONTH_NAME[m - 1] ?? String(m)))}`);
  }
  return words.join(' ');
}

function weekdays(days: readonly ByDay[], rule: Rule): string {
  const plain = days.every((d) => d.nth === null);
  const names = new Set(days.map((d) => d.weekday));
  if (plain && names.size === 5 && !names.has('SA') && !names.has('SU')) return 'weekdays';
  if (plain && names.size === 2 && names.has('SA') && names.has('SU')) return 'weekends';
  const within = rule.freq === 'YEARLY' && rule.byMonth.length === 0 ? ' of the year' : '';
  return list(
    days.map((d) =>
      d.nth === null
        ? DAY_NAME[d.weekday]
        : `the ${position(d.nth)} ${DAY_NAME[d.weekday]}${within}`,
    ),
  );
}

/** The time of day, or the minutes of the hour for sub-daily rules. */
function clockWords(rule: Rule): string {
  const hours = [...rule.byHour].sort((a, b) => a - b);
  const minutes = [...rule.byMinute].sort((a, b) => a - b);
  if (rule.freq === 'HOURLY' || rule.freq === 'MINUTELY') {
    const words: string[] = [];
    if (minutes.length > 0) {
      words.push(`at ${list(minutes.map((m) => `:${String(m).padStart(2, '0')}`))}`);
    }
    if (hours.length > 0) {
      words.push(`during ${list(hours.map((h) => `${formatClock(h, 0)}-${formatClock(h, 59)}`))}`);
    }
    return words.join(' ');
  }
  const times = hours.flatMap((h) => minutes.map((m) => formatClock(h, m)));
  if (times.length <= 4) return `at ${list(times)}`;
  return `${times.length} times a day from ${times[0] ?? ''} to ${times.at(-1) ?? ''}`;
}

function monthDay(day: number): string {
  if (day === -1) return 'last day';
  if (day < 0) return `${ordinal(-day)}-to-last day`;
  return ordinal(day);
}

/** 1 -> "first", -1 -> "last", -2 -> "second-to-last", 12 -> "12th". */
function position(n: number): string {
  if (n === -1) return 'last';
  const name = COUNTED[Math.abs(n) - 1] ?? ordinal(Math.abs(n));
  return n < 0 ? `${name}-to-last` : name;
}

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}
