import type { LocalDateTime } from './local-time.ts';
import { weekdayOf } from './local-time.ts';
import type { Rule } from './rule.ts';
import { WEEKDAYS } from './rule.ts';
import { hourlyForm } from './subdaily.ts';

/**
 * A rule with every part that RFC 5545 takes from DTSTART written out: the day of a monthly rule,
 * the weekday of a weekly one, the time of day of a daily one. rrule would take them from its
 * dtstart, but we start rrule near the instant asked about rather than at the series start (that
 * is what makes a ten-year-old series cheap), so they must no longer depend on its dtstart.
 *
 * `anchor` gives the calendar parts and `clock` the time of day. They are both the series start,
 * except in completion mode, which keeps the rule's clock but re-anchors the calendar.
 */
export function explicitRule(rule: Rule, anchor: LocalDateTime, clock: LocalDateTime): Rule {
  const noDayParts =
    rule.byWeekNo.length === 0 &&
    rule.byYearDay.length === 0 &&
    rule.byMonthDay.length === 0 &&
    rule.byDay.length === 0;
  let { byMonth, byMonthDay, byDay } = rule;
  if (noDayParts && rule.freq === 'YEARLY') {
    if (byMonth.length === 0) byMonth = [anchor.month];
    byMonthDay = [anchor.day];
  } else if (noDayParts && rule.freq === 'MONTHLY') {
    byMonthDay = [anchor.day];
  } else if (noDayParts && rule.freq === 'WEEKLY') {
    byDay = [{ weekday: WEEKDAYS[weekdayOf(anchor)] ?? 'MO', nth: null }];
  }
  const dailyOrCoarser = rule.freq !== 'HOURLY' && rule.freq !== 'MINUTELY';
  const byHour = rule.byHour.length === 0 && dailyOrCoarser ? [clock.hour] : rule.byHour;
  const byMinute =
    rule.byMinute.length === 0 && rule.freq !== 'MINUTELY' ? [clock.minute] : rule.byMinute;
  return { ...rule, byMonth, byMonthDay, byDay, byHour, byMinute };
}

/** The rule rrule walks for a series: explicit from its start, sub-daily ones in hourly form. */
export function walkedRule(rule: Rule, start: LocalDateTime): Rule {
  return hourlyForm(explicitRule(rule, start, start), start);
}
