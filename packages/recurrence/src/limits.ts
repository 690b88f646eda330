/** The `recurrence_rule` column is varchar(255). */
export const MAX_RULE_LENGTH = 255;

/**
 * At most this many occurrences in one day: every 15 minutes. Each occurrence spawns a task, so a
 * denser rule would flood the user and the system; 96 still allows quarter-hourly reminders.
 */
export const MAX_OCCURRENCES_PER_DAY = 96;

/**
 * COUNT is counted from the series start, so parsing a COUNT rule walks all its occurrences once;
 * this keeps that walk short. Longer series use UNTIL, which costs nothing to check.
 */
export const MAX_COUNT = 1000;

/** Larger intervals are surely typos (and yearly ones would leave year 9999, where rrule stops). */
export const MAX_INTERVAL = 1000;

/**
 * How far one search for an occurrence may look, and how many rrule loop steps it may take at
 * most. rrule walks period by period and only stops on an occurrence, so a rule that matches no
 * date (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) would otherwise walk to year 9999: seconds of CPU.
 * 100 years covers the rarest real rules (February 29 on a Monday: up to 40 years apart); the
 * step cap, about 55 years of days, keeps daily and finer searches under about 100 ms. Counting
 * a COUNT rule may take SEARCH_STEPS steps in all.
 */
export const SEARCH_YEARS = 100;
export const SEARCH_STEPS = 20_000;
