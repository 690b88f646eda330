import { explicitRule } from './explicit.ts';
import { HOUR_MS, MINUTE_MS, toFloating } from './local-time.ts';
import { nextOccurrence } from './occurrences.ts';
import { periodIndex, periodStart } from './period.ts';
import { checkInstant, scan } from './scan.ts';
import type { Series } from './series.ts';
import { instantToLocal } from './zone.ts';

/**
 * Completion mode, like Todoist's "every!": the next occurrence counts from when the task was
 * done, not from the schedule.
 *
 * Daily and longer rules are re-anchored at the completion, and the answer is the first
 * occurrence in the period INTERVAL periods after the one holding the completion:
 * - the clock stays the rule's: BYHOUR/BYMINUTE, else the start's time of day ("at 09:00");
 * - the calendar parts the rule left to the start (the weekday of FREQ=WEEKLY, the day of
 *   FREQ=MONTHLY, the date of FREQ=YEARLY) come from the completion day instead;
 * - parts the rule spells out (BYDAY=MO,WE, BYMONTHDAY=1) are kept.
 * So "every! 3 days at 09:00" done on Tuesday evening (or early, Tuesday at 08:00) is next due
 * Friday 09:00; "every! week" done on a Wednesday, the next Wednesday; "every! month" done on
 * 15 March, 15 April; FREQ=WEEKLY;BYDAY=MO,WE,FR done any day, the first of those next week.
 * A day of the month that a month lacks is skipped, as in the rule itself.
 *
 * Hourly and minutely rules keep their grid: the answer is their first occurrence at least one
 * INTERVAL after the completion ("every! 2 hours" from 09:00, done at 10:17: 13:00). Re-anchoring
 * them would move the grid off their BYHOUR hours.
 *
 * The series end still applies: UNTIL, and for COUNT the instant of the COUNT-th scheduled
 * occurrence (completions are not counted here), and the answer is never before the series
 * start. Null when the series is over.
 */
export function nextAfterCompletion(series: Series, completedAt: Date): Date | null {
  const completed = checkInstant('completedAt', completedAt);
  const { freq, interval } = series.parts;
  if (freq === 'HOURLY' || freq === 'MINUTELY') {
    const step = interval * (freq === 'HOURLY' ? HOUR_MS : MINUTE_MS);
    const after = Math.max(completed + step - 1, series.start.getTime() - 1);
    return nextOccurrence(series, new Date(after));
  }
  const anchor = instantToLocal(new Date(completed), series.timeZone);
  const rule = explicitRule(series.parts, anchor, series.localStart);
  const { weekStart } = rule;
  const dtstart = periodStart(
    freq,
    weekStart,
    periodIndex(freq, weekStart, toFloating(anchor)) + interval,
  );
  const found: Date[] = [];
  // Strictly after the completion too: a fall-back hour can map the first wall-clock minutes of
  // the next period to instants before it.
  const after = Math.max(completed, series.start.getTime() - 1);
  scan(series, rule, dtstart, dtstart.getTime(), after, (occurrence) => {
    found.push(occurrence);
    return false;
  });
  return found[0] ?? null;
}
