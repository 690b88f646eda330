import rrule from 'rrule';
import type { Options, RRule as RRuleInstance } from 'rrule';
import { RecurrenceError } from './errors.ts';
import { SEARCH_STEPS, SEARCH_YEARS } from './limits.ts';
import type { Frequency, Rule } from './rule.ts';
import { WEEKDAYS } from './rule.ts';

// rrule ships CommonJS to Node; its named exports are only reachable through the default import.
const { RRule, Weekday } = rrule;

const FREQUENCY: Record<Frequency, Options['freq']> = {
  YEARLY: RRule.YEARLY,
  MONTHLY: RRule.MONTHLY,
  WEEKLY: RRule.WEEKLY,
  DAILY: RRule.DAILY,
  HOURLY: RRule.HOURLY,
  MINUTELY: RRule.MINUTELY,
};

/** rrule's options for an explicit rule (see explicit.ts), started at floating `dtstart`. */
function toOptions(rule: Rule, dtstart: Date, count: number | null): Partial<Options> {
  const options: Partial<Options> = {
    freq: FREQUENCY[rule.freq],
    interval: rule.interval,
    wkst: WEEKDAYS.indexOf(rule.weekStart),
    dtstart,
    count,
    bysecond: [0],
  };
  // rrule counts an empty list as "given", which switches off its own defaults: leave them out.
  const set = (key: keyof Options, values: readonly number[]): void => {
    if (values.length > 0) Object.assign(options, { [key]: [...values] });
  };
  set('bymonth', rule.byMonth);
  set('byweekno', rule.byWeekNo);
  set('byyearday', rule.byYearDay);
  set('bymonthday', rule.byMonthDay);
  set('byhour', rule.byHour);
  set('byminute', rule.byMinute);
  set('bysetpos', rule.bySetPos);
  if (rule.byDay.length > 0) {
    options.byweekday = rule.byDay.map(
      (d) => new Weekday(WEEKDAYS.indexOf(d.weekday), d.nth ?? undefined),
    );
  }
  return options;
}

const PERIODS_PER_YEAR: Record<Frequency, number> = {
  YEARLY: 1,
  MONTHLY: 12,
  WEEKLY: 53,
  DAILY: 366,
  HOURLY: 366 * 24,
  MINUTELY: 366 * 24 * 60,
};

/**
 * rrule steps INTERVAL periods at a time, and a step costs more the longer its period (a YEARLY
 * step rebuilds the masks of a whole year), so the budget is counted in years searched.
 */
function stepsFor(rule: Rule): number {
  return Math.min(
    SEARCH_STEPS,
    Math.ceil((SEARCH_YEARS * PERIODS_PER_YEAR[rule.freq]) / rule.interval),
  );
}

export interface WalkLimits {
  /** Steps allowed between two occurrences (and before the first); by default SEARCH_YEARS. */
  readonly perOccurrence?: number;
  /** Steps allowed in all. */
  readonly total?: number;
  /** Stop after this many occurrences (the rule's COUNT, counted from `dtstart`). */
  readonly count?: number | null;
}

/** Thrown when a walk runs out of steps; callers turn it into a message for their situation. */
export class SearchExhausted extends Error {
  constructor() {
    super('the recurrence search ran out of steps');
    this.name = 'SearchExhausted';
  }
}

/**
 * Feeds the occurrences of an explicit rule from floating `dtstart` on, in order, to `visit`
 * until it returns false or the rule ends.
 *
 * rrule only checks for the end on an occurrence, so a rule that matches no day walks to year
 * 9999 (seconds of CPU). rrule offers no hook per step, but its loop reads `options.interval`
 * on each one, so a getter there counts steps and throws when the budget is spent. This leans on
 * rrule 2.x internals; the test of an impossible rule fails fast if that ever changes.
 */
export function walk(
  rule: Rule,
  dtstart: Date,
  visit: (floating: Date) => boolean,
  limits: WalkLimits = {},
): void {
  const perOccurrence = limits.perOccurrence ?? stepsFor(rule);
  const total = limits.total ?? Number.POSITIVE_INFINITY;
  const instance: RRuleInstance = new RRule(toOptions(rule, dtstart, limits.count ?? null), true);
  let sinceLast = 0;
  let steps = 0;
  const interval = rule.interval;
  Object.defineProperty(instance.options, 'interval', {
    get: () => {
      sinceLast += 1;
      steps += 1;
      if (sinceLast > perOccurrence || steps > total) throw new SearchExhausted();
      return interval;
    },
  });
  instance.all((date) => {
    sinceLast = 0;
    return visit(date);
  });
}

/** Turns a spent budget into a user-facing rejection; other errors pass through. */
export function rejectWhenExhausted<T>(search: () => T, message: string): T {
  try {
    return search();
  } catch (error) {
    if (error instanceof SearchExhausted) throw new RecurrenceError('rule', message);
    throw error;
  }
}
