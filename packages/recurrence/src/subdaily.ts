import type { LocalDateTime } from './local-time.ts';
import { formatClock } from './local-time.ts';
import type { Rule } from './rule.ts';

/*
 * rrule 2.x steps HOURLY and MINUTELY rules in an inner loop that only ends on an hour in BYHOUR
 * (and, for MINUTELY, a minute in BYMINUTE). Two consequences:
 * - if the INTERVAL grid never lands on such a time, the loop never ends, and no step budget can
 *   stop it: such rules must not reach rrule (clockProblem);
 * - for MINUTELY with BYHOUR the loop skips an hour by keeping the minute and adding a number of
 *   hours that can exceed a day after a day is filtered out (BYDAY...), so it leaves the INTERVAL
 *   grid and skips whole days. Those rules are walked as the HOURLY rule with the same
 *   occurrences (hourlyForm), which rrule handles right; others are refused.
 */

/** Why rrule could not walk this explicit sub-daily rule, or null when it can. */
export function clockProblem(rule: Rule, start: LocalDateTime): string | null {
  const from = formatClock(start.hour, start.minute);
  if (rule.freq === 'HOURLY' && rule.byHour.length > 0) {
    for (let k = 0; k < 24; k += 1) {
      if (rule.byHour.includes((start.hour + k * rule.interval) % 24)) return null;
    }
    return `every ${rule.interval} hours from ${from} never falls in BYHOUR=${rule.byHour.join(',')}`;
  }
  if (rule.freq !== 'MINUTELY' || (rule.byHour.length === 0 && rule.byMinute.length === 0)) {
    return null;
  }
  if (rule.byHour.length > 0 && 60 % rule.interval !== 0 && rule.interval % 60 !== 0) {
    return (
      'with FREQ=MINUTELY and BYHOUR, INTERVAL must divide 60 or be a multiple of 60 ' +
      '(15, 20, 30, 60, 120...)'
    );
  }
  const first = start.hour * 60 + start.minute;
  for (let k = 0; k < 1440; k += 1) {
    const minuteOfDay = (first + k * rule.interval) % 1440;
    const hourFits = rule.byHour.length === 0 || rule.byHour.includes(Math.floor(minuteOfDay / 60));
    const minuteFits = rule.byMinute.length === 0 || rule.byMinute.includes(minuteOfDay % 60);
    if (hourFits && minuteFits) return null;
  }
  return `every ${rule.interval} minutes from ${from} never falls on the BYHOUR/BYMINUTE times`;
}

/**
 * A MINUTELY rule with BYHOUR as the HOURLY rule with the same occurrences: every 15 minutes
 * from :05 is, hour by hour, :05, :20, :35 and :50; every 120 minutes is every 2 hours. Other
 * rules come back as they are. Expects a rule that clockProblem passed.
 */
export function hourlyForm(rule: Rule, start: LocalDateTime): Rule {
  if (rule.freq !== 'MINUTELY' || rule.byHour.length === 0) return rule;
  if (rule.interval % 60 === 0) {
    return { ...rule, freq: 'HOURLY', interval: rule.interval / 60, byMinute: [start.minute] };
  }
  const grid: number[] = [];
  for (let minute = start.minute % rule.interval; minute < 60; minute += rule.interval) {
    if (rule.byMinute.length === 0 || rule.byMinute.includes(minute)) grid.push(minute);
  }
  return { ...rule, freq: 'HOURLY', interval: 1, byMinute: grid };
}
