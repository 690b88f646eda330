import { RULE_FREQUENCIES, RULE_PART_NAMES } from '@taskflow/contracts';
import { RecurrenceError } from './errors.ts';
import type { LocalDateTime } from './local-time.ts';
import { MAX_COUNT, MAX_INTERVAL, MAX_RULE_LENGTH } from './limits.ts';

/** RFC 5545's frequencies but SECONDLY: occurrences fall on whole minutes (refused with a reason). */
export type Frequency = Exclude<(typeof RULE_FREQUENCIES)[number], 'SECONDLY'>;
export const FREQUENCIES = RULE_FREQUENCIES.filter(
  (freq): freq is Frequency => freq !== 'SECONDLY',
);

/** Monday first: the index of each is the weekday number rrule uses. */
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A BYDAY entry: `2TU` is the second Tuesday, `-1FR` the last Friday, `MO` every Monday. */
export interface ByDay {
  readonly weekday: Weekday;
  readonly nth: number | null;
}

/**
 * UNTIL as written. RFC 5545 wants a UTC time (`...Z`) when the start has a zone; a local date or
 * date-time is accepted too and read as wall-clock time in the series' zone, a date meaning the
 * whole of that day, because that is what people who write `UNTIL=20271231` mean.
 */
export type Until =
  | { readonly kind: 'instant'; readonly at: Date; readonly text: string }
  | { readonly kind: 'local'; readonly at: LocalDateTime; readonly text: string };

/** One RRULE, checked against RFC 5545 and this package's limits. Empty lists mean "not given". */
export interface Rule {
  readonly freq: Frequency;
  readonly interval: number;
  readonly count: number | null;
  readonly until: Until | null;
  readonly byMonth: readonly number[];
  readonly byWeekNo: readonly number[];
  readonly byYearDay: readonly number[];
  readonly byMonthDay: readonly number[];
  readonly byDay: readonly ByDay[];
  readonly byHour: readonly number[];
  readonly byMinute: readonly number[];
  readonly bySetPos: readonly number[];
  readonly weekStart: Weekday;
}

function reject(message: string): never {
  throw new RecurrenceError('rule', message);
}

/**
 * Parses one RRULE value, with or without the `RRULE:` prefix. Stricter than rrule's own parser,
 * which turns a bad number into a string and an unknown FREQ into undefined, and says why.
 * DTSTART is refused rather than ignored: the start travels separately, and silently dropping
 * one a client sent would schedule something other than what it asked for.
 */
export function parseRule(text: string): Rule {
  const trimmed = text.trim();
  if (trimmed === '') reject('the rule is empty');
  if (trimmed.length > MAX_RULE_LENGTH) {
    reject(`the rule is ${trimmed.length} characters long; at most ${MAX_RULE_LENGTH} are allowed`);
  }
  if (/DTSTART/i.test(trimmed)) {
    reject('DTSTART is not allowed in the rule: the series start is sent separately as start');
  }
  if (/[\r\n]/.test(trimmed)) {
    reject('the rule must be a single RRULE line (RDATE, EXDATE and EXRULE are not supported)');
  }
  const body = trimmed.replace(/^RRULE:/i, '');

  const parts = new Map<string, string>();
  for (const part of body.split(';')) {
    if (part === '') continue; // a trailing ";" is harmless
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) reject(`"${part}" is not a NAME=VALUE rule part`);
    const name = part.slice(0, eq).trim().toUpperCase();
    const value = part
      .slice(eq + 1)
      .trim()
      .toUpperCase();
    if (parts.has(name)) reject(`${name} is given twice`);
    parts.set(name, value);
  }
  return ruleFromParts(parts);
}

/** RFC 5545's parts but BYSECOND, which is refused with a reason before this is asked. */
const KNOWN_PARTS: ReadonlySet<string> = new Set(
  RULE_PART_NAMES.filter((name) => name !== 'BYSECOND'),
);

function ruleFromParts(parts: ReadonlyMap<string, string>): Rule {
  for (const name of parts.keys()) {
    if (name === 'BYSECOND') reject('BYSECOND is not supported: occurrences fall on whole minutes');
    if (!KNOWN_PARTS.has(name)) reject(`unknown rule part ${name}`);
  }

  const freqText = parts.get('FREQ');
  if (freqText === undefined) reject('FREQ is required, e.g. FREQ=DAILY');
  if (freqText === 'SECONDLY') {
    reject('FREQ=SECONDLY is not supported: occurrences can be at most every 15 minutes');
  }
  const freq = FREQUENCIES.find((f) => f === freqText);
  if (freq === undefined) {
    return reject(`FREQ must be one of ${FREQUENCIES.join(', ')}; got "${freqText}"`);
  }

  const interval = parts.has('INTERVAL') ? integer('INTERVAL', parts.get('INTERVAL')) : 1;
  if (interval < 1 || interval > MAX_INTERVAL) {
    reject(`INTERVAL must be between 1 and ${MAX_INTERVAL}`);
  }

  let count: number | null = null;
  const countText = parts.get('COUNT');
  if (countText !== undefined) {
    count = integer('COUNT', countText);
    if (count < 1) reject('COUNT must be at least 1: COUNT=0 would be a series with no occurrence');
    if (count > MAX_COUNT) {
      reject(`COUNT may be at most ${MAX_COUNT}; use UNTIL for a longer series`);
    }
  }
  const untilText = parts.get('UNTIL');
  const until = untilText === undefined ? null : parseUntil(untilText);
  if (count !== null && until !== null) reject('COUNT and UNTIL cannot both be given');

  const weekStartText = parts.get('WKST') ?? 'MO';
  const weekStart = WEEKDAYS.find((d) => d === weekStartText);
  if (weekStart === undefined) reject(`WKST must be one of ${WEEKDAYS.join(', ')}`);

  const rule: Rule = {
    freq,
    interval,
    count,
    until,
    byMonth: numbers(parts, 'BYMONTH', 1, 12, false),
    byWeekNo: numbers(parts, 'BYWEEKNO', 1, 53, true),
    byYearDay: numbers(parts, 'BYYEARDAY', 1, 366, true),
    byMonthDay: numbers(parts, 'BYMONTHDAY', 1, 31, true),
    byDay: parseByDay(parts.get('BYDAY')),
    byHour: numbers(parts, 'BYHOUR', 0, 23, false),
    byMinute: numbers(parts, 'BYMINUTE', 0, 59, false),
    bySetPos: numbers(parts, 'BYSETPOS', 1, 366, true),
    weekStart: weekStart ?? 'MO',
  };
  checkCombinations(rule);
  return rule;
}

/** The combinations RFC 5545 §3.3.10 forbids; rrule would accept most and do something odd. */
function checkCombinations(rule: Rule): void {
  const { freq } = rule;
  if (rule.byWeekNo.length > 0 && freq !== 'YEARLY') reject('BYWEEKNO needs FREQ=YEARLY');
  if (rule.byYearDay.length > 0 && (freq === 'DAILY' || freq === 'WEEKLY' || freq === 'MONTHLY')) {
    reject(`BYYEARDAY cannot be used with FREQ=${freq}`);
  }
  if (rule.byMonthDay.length > 0 && freq === 'WEEKLY') {
    reject('BYMONTHDAY cannot be used with FREQ=WEEKLY');
  }
  const numbered = rule.byDay.filter((d) => d.nth !== null);
  if (numbered.length > 0) {
    if (freq !== 'MONTHLY' && freq !== 'YEARLY') {
      reject(`a numbered BYDAY such as 2MO needs FREQ=MONTHLY or FREQ=YEARLY`);
    }
    if (freq === 'YEARLY' && rule.byWeekNo.length > 0) {
      reject('a numbered BYDAY such as 2MO cannot be used with BYWEEKNO');
    }
    const limit = freq === 'MONTHLY' || rule.byMonth.length > 0 ? 5 : 53;
    if (numbered.some((d) => Math.abs(d.nth ?? 0) > limit)) {
      reject(`the number in a BYDAY entry must be between -${limit} and ${limit}`);
    }
  }
  if (rule.bySetPos.length > 0 && freq === 'MINUTELY') {
    reject('BYSETPOS cannot be used with FREQ=MINUTELY: each minute holds one time to choose');
  }
  const others = [
    rule.byMonth,
    rule.byWeekNo,
    rule.byYearDay,
    rule.byMonthDay,
    rule.byDay,
    rule.byHour,
    rule.byMinute,
  ];
  if (rule.bySetPos.length > 0 && others.every((list) => list.length === 0)) {
    reject('BYSETPOS needs another BY rule part to choose from, e.g. BYDAY=MO,TU,WE,TH,FR');
  }
}

function integer(name: string, text: string | undefined): number {
  if (text === undefined || !/^[+-]?\d{1,6}$/.test(text)) {
    return reject(`${name} must be a whole number; got "${text ?? ''}"`);
  }
  return Number(text);
}

function numbers(
  parts: ReadonlyMap<string, string>,
  name: string,
  min: number,
  max: number,
  negativeToo: boolean,
): number[] {
  const text = parts.get(name);
  if (text === undefined) return [];
  const values = text.split(',').map((item) => integer(name, item));
  for (const v of values) {
    const ok = (v >= min && v <= max) || (negativeToo && v <= -min && v >= -max && v !== 0);
    if (!ok) {
      const range = negativeToo ? `${min} to ${max} or -${max} to -${min}` : `${min} to ${max}`;
      reject(`${name} values must be ${range}; got ${v}`);
    }
  }
  // rrule emits the times of a day in list order, so unsorted BYHOUR/BYMINUTE would come out of
  // order; sorted is also the canonical spelling.
  return [...new Set(values)].sort((a, b) => a - b);
}

function parseByDay(text: string | undefined): ByDay[] {
  if (text === undefined) return [];
  return text.split(',').map((item) => {
    const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
    const weekday = WEEKDAYS.find((d) => d === match?.[2]);
    if (match === null || weekday === undefined) {
      return reject(`BYDAY entries look like MO, 2TU or -1FR; got "${item}"`);
    }
    const nth = match[1] === undefined ? null : Number(match[1]);
    if (nth === 0) reject(`BYDAY entries look like MO, 2TU or -1FR; got "${item}"`);
    return { weekday, nth };
  });
}

function parseUntil(text: string): Until {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(text);
  if (match === null) {
    return reject(`UNTIL must look like 20271231T235959Z, 20271231T235959 or 20271231`);
  }
  const [year, month, day, hour, minute, second] = match
    .slice(1, 7)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const ms = Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0);
  const check = new Date(ms);
  const valid =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() + 1 === month &&
    check.getUTCDate() === day &&
    (hour ?? 0) < 24 &&
    (minute ?? 0) < 60 &&
    (second ?? 0) < 60;
  if (!valid || year === undefined || month === undefined || day === undefined) {
    return reject(`UNTIL is not a real date and time: ${text}`);
  }
  if (match[7] === 'Z') return { kind: 'instant', at: check, text };
  // A bare date means through the end of that day; occurrences fall on whole minutes.
  const dateOnly = hour === undefined;
  return {
    kind: 'local',
    at: {
      year,
      month,
      day,
      hour: dateOnly ? 23 : (hour ?? 0),
      minute: dateOnly ? 59 : (minute ?? 0),
    },
    text,
  };
}

/** The rule in canonical spelling, without the `RRULE:` prefix: what gets stored. */
export function formatRule(rule: Rule): string {
  const out: string[] = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) out.push(`INTERVAL=${rule.interval}`);
  if (rule.count !== null) out.push(`COUNT=${rule.count}`);
  if (rule.until !== null) out.push(`UNTIL=${rule.until.text}`);
  const list = (name: string, values: readonly number[]): void => {
    if (values.length > 0) out.push(`${name}=${values.join(',')}`);
  };
  list('BYMONTH', rule.byMonth);
  list('BYWEEKNO', rule.byWeekNo);
  list('BYYEARDAY', rule.byYearDay);
  list('BYMONTHDAY', rule.byMonthDay);
  if (rule.byDay.length > 0) {
    out.push(`BYDAY=${rule.byDay.map((d) => `${d.nth ?? ''}${d.weekday}`).join(',')}`);
  }
  list('BYHOUR', rule.byHour);
  list('BYMINUTE', rule.byMinute);
  list('BYSETPOS', rule.bySetPos);
  if (rule.weekStart !== 'MO') out.push(`WKST=${rule.weekStart}`);
  return out.join(';');
}
