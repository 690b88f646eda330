import { maxOccurrencesPerDay } from './density.ts';
import { RecurrenceError } from './errors.ts';
import { explicitRule, walkedRule } from './explicit.ts';
import { MAX_OCCURRENCES_PER_DAY, SEARCH_STEPS } from './limits.ts';
import type { LocalDateTime } from './local-time.ts';
import { DAY_MS, MINUTE_MS, toFloating } from './local-time.ts';
import type { Rule } from './rule.ts';
import { formatRule, parseRule } from './rule.ts';
import { clockProblem } from './subdaily.ts';
import { rejectWhenExhausted, walk } from './walk.ts';
import { canonicalTimeZone, instantToLocal, zoneClock } from './zone.ts';

/** A recurring series, checked and ready to compute occurrences from. Immutable. */
export interface Series {
  /** The RRULE in canonical spelling, without the `RRULE:` prefix: what to store. */
  readonly rule: string;
  /** The rule's parts, for callers that show or edit them. */
  readonly parts: Rule;
  /** Canonical IANA id, e.g. "Europe/Berlin". */
  readonly timeZone: string;
  /** The series start, to the minute: the first occurrence if it matches the rule. */
  readonly start: Date;
  /** The start as wall-clock time in `timeZone`: gives the time of day and the implicit day. */
  readonly localStart: LocalDateTime;
  /** No occurrence is later than this: UNTIL, or the COUNT-th occurrence. Null: endless. */
  readonly end: Date | null;
}

export interface SeriesInput {
  readonly rule: string;
  readonly timeZone: string;
  /** The instant of the series start. */
  readonly start: Date;
}

/** Starts outside these years are surely mistakes (and rrule stops at 9999). */
const FIRST_YEAR = 1900;
const LAST_YEAR = 2999;

/** Checks a series and prepares it; throws RecurrenceError saying which field is wrong and why. */
export function parseSeries(input: SeriesInput): Series {
  const start = checkStart(input.start);
  const timeZone = checkTimeZone(input.timeZone);
  const parts = parseRule(input.rule);
  const localStart = instantToLocal(start, timeZone);
  const unreachable = clockProblem(explicitRule(parts, localStart, localStart), localStart);
  if (unreachable !== null) throw new RecurrenceError('rule', unreachable);
  const explicit = walkedRule(parts, localStart);

  const perDay = maxOccurrencesPerDay(explicit);
  if (perDay > MAX_OCCURRENCES_PER_DAY) {
    throw new RecurrenceError(
      'rule',
      `the rule can produce ${perDay} occurrences a day; at most ${MAX_OCCURRENCES_PER_DAY} ` +
        '(every 15 minutes) are allowed',
    );
  }

  const first = firstOccurrence(explicit, localStart, timeZone);
  const end =
    parts.count !== null
      ? lastCounted(explicit, localStart, timeZone, parts.count)
      : untilInstant(parts, timeZone);
  if (end !== null && end.getTime() < start.getTime()) {
    throw new RecurrenceError(
      'rule',
      `UNTIL (${end.toISOString()}) is before the series start (${start.toISOString()})`,
    );
  }
  if (end !== null && first > end.getTime()) {
    throw new RecurrenceError('rule', 'the rule has no occurrence between the start and UNTIL');
  }
  return { rule: formatRule(parts), parts, timeZone, start, localStart, end };
}

function checkStart(start: Date): Date {
  if (!(start instanceof Date) || Number.isNaN(start.getTime())) {
    throw new RecurrenceError('start', 'start must be a valid instant');
  }
  const year = start.getUTCFullYear();
  if (year < FIRST_YEAR || year > LAST_YEAR) {
    throw new RecurrenceError('start', `start must be between ${FIRST_YEAR} and ${LAST_YEAR}`);
  }
  // Occurrences fall on whole minutes; seconds in the start would only shift or lose the first.
  return new Date(Math.floor(start.getTime() / MINUTE_MS) * MINUTE_MS);
}

function checkTimeZone(name: string): string {
  const canonical = typeof name === 'string' ? canonicalTimeZone(name) : null;
  if (canonical === null) {
    throw new RecurrenceError(
      'time_zone',
      `unknown time zone "${String(name)}"; use an IANA name such as Europe/Berlin`,
    );
  }
  return canonical;
}

const NEVER_MATCHES =
  'the rule matches no date, or too rarely to schedule (BYMONTH=2;BYMONTHDAY=30, for example, ' +
  'never happens)';

function firstOccurrence(rule: Rule, localStart: LocalDateTime, timeZone: string): number {
  const found: Date[] = [];
  rejectWhenExhausted(
    () =>
      walk(rule, toFloating(localStart), (floating) => {
        found.push(floating);
        return false; // the first is all we need
      }),
    NEVER_MATCHES,
  );
  const first = found[0];
  if (first === undefined) throw new RecurrenceError('rule', NEVER_MATCHES);
  return zoneClock(timeZone).toInstant(first.getTime());
}

/**
 * COUNT is counted from the start, so it is counted once, here, and kept as the instant of the
 * last occurrence; from then on a COUNT rule is as cheap as an UNTIL one. The latest instant among
 * the last day's occurrences is taken because a DST gap can move an earlier one past the last.
 */
function lastCounted(rule: Rule, localStart: LocalDateTime, timeZone: string, count: number): Date {
  const seen: Date[] = [];
  rejectWhenExhausted(
    () =>
      walk(
        rule,
        toFloating(localStart),
        (floating) => {
          seen.push(floating);
          return true;
        },
        { count, total: SEARCH_STEPS },
      ),
    `the rule's occurrences are too far apart to count ${count} of them; ` +
      'use a coarser FREQ (FREQ=YEARLY for once a year) or UNTIL',
  );
  const last = seen.at(-1);
  if (last === undefined) throw new RecurrenceError('rule', NEVER_MATCHES);
  let end = Number.NEGATIVE_INFINITY;
  for (let i = seen.length - 1; i >= 0; i -= 1) {
    const floating = seen[i];
    if (floating === undefined || last.getTime() - floating.getTime() > DAY_MS) break;
    end = Math.max(end, zoneClock(timeZone).toInstant(floating.getTime()));
  }
  return new Date(end);
}

function untilInstant(rule: Rule, timeZone: string): Date | null {
  const { until } = rule;
  if (until === null) return null;
  if (until.kind === 'instant') return until.at;
  return new Date(zoneClock(timeZone).toInstant(toFloating(until.at).getTime()));
}
