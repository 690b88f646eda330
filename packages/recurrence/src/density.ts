import type { Rule } from './rule.ts';

/**
 * The most occurrences an explicit rule (see explicit.ts) can have in one day, from its parts
 * alone: an upper bound, cheap enough to check on every request, that is exact for the rules
 * people write (every 15 minutes, hourly 9 to 17, twice a day...).
 */
export function maxOccurrencesPerDay(rule: Rule): number {
  const hours = rule.byHour.length > 0 ? rule.byHour.length : 24;
  const minutes = rule.byMinute.length > 0 ? rule.byMinute.length : 60;
  let perDay: number;
  switch (rule.freq) {
    case 'MINUTELY':
      // A step of n minutes hits a day at most ceil(1440 / n) times; BYHOUR/BYMINUTE only filter.
      perDay = Math.min(Math.ceil(1440 / rule.interval), hours * minutes);
      break;
    case 'HOURLY':
      // BYHOUR filters the hours the step reaches; BYMINUTE expands each of them.
      perDay = Math.min(Math.ceil(24 / rule.interval), hours) * minutes;
      break;
    default:
      // One day at most per step, each expanded by BYHOUR x BYMINUTE.
      perDay = hours * minutes;
  }
  // BYSETPOS keeps that many per period, and a daily or longer period holds whole days.
  if (rule.bySetPos.length > 0 && rule.freq !== 'HOURLY' && rule.freq !== 'MINUTELY') {
    perDay = Math.min(perDay, rule.bySetPos.length);
  }
  return perDay;
}
