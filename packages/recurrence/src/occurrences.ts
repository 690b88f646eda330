import { walkedRule } from './explicit.ts';
import { toFloating } from './local-time.ts';
import { walkStart } from './period.ts';
import { checkInstant, scan, wallFloor } from './scan.ts';
import type { Series } from './series.ts';

/** The most occurrences one preview may ask for. */
export const MAX_PREVIEW = 1000;

/**
 * The first occurrence strictly after `after`, or null when the series is over (COUNT or UNTIL).
 * The walk starts at the period of the rule (in its INTERVAL phase) that holds the wall time of
 * `after`, not at the series start, so its cost does not grow with the series' age.
 */
export function nextOccurrence(series: Series, after: Date): Date | null {
  const found: Date[] = [];
  forEachAfter(series, checkInstant('after', after), (occurrence) => {
    found.push(occurrence);
    return false;
  });
  return found[0] ?? null;
}

/** Occurrences in [from, to), in order, at most `limit` of them: for previews. */
export function occurrencesBetween(series: Series, from: Date, to: Date, limit: number): Date[] {
  const fromMs = checkInstant('from', from);
  const toMs = checkInstant('to', to);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PREVIEW) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_PREVIEW}`);
  }
  const found: Date[] = [];
  forEachAfter(series, fromMs - 1, (occurrence) => {
    if (occurrence.getTime() >= toMs) return false;
    found.push(occurrence);
    return found.length < limit;
  });
  return found;
}

function forEachAfter(series: Series, after: number, visit: (occurrence: Date) => boolean): void {
  const rule = walkedRule(series.parts, series.localStart);
  const floor = wallFloor(series.timeZone, after);
  const dtstart = walkStart(
    rule.freq,
    rule.weekStart,
    rule.interval,
    toFloating(series.localStart),
    new Date(floor),
  );
  scan(series, rule, dtstart, floor, after, visit);
}
