import { HOUR_MS } from './local-time.ts';
import type { Rule } from './rule.ts';
import type { Series } from './series.ts';
import { rejectWhenExhausted, walk } from './walk.ts';
import { zoneClock } from './zone.ts';

/**
 * A wall time more than this before the wall time of an instant maps to an earlier instant:
 * UTC offsets lie between -12 and +14 hours, so two of them differ by at most 26 hours.
 */
const WALL_MARGIN_MS = 27 * HOUR_MS;

const TOO_RARE =
  'the rule matches dates too rarely to compute the next occurrence; use a coarser FREQ';

/**
 * The earliest floating wall time that can map to an instant after `after`. Usually the wall
 * time of `after` itself; near an offset change WALL_MARGIN_MS before it.
 */
export function wallFloor(timeZone: string, after: number): number {
  const clock = zoneClock(timeZone);
  const wall = clock.toWall(after);
  return clock.isPlain(wall - WALL_MARGIN_MS, wall) ? wall : wall - WALL_MARGIN_MS;
}

/**
 * Feeds `visit` the series' occurrences strictly after the instant `after`, in increasing order,
 * until it returns false or the series ends. `rule` is the explicit rule, walked from floating
 * `dtstart`; wall times before `skipBefore` are passed over without a zone lookup, so it must be
 * at most wallFloor(after) to miss nothing.
 *
 * Wall time maps to instants in order except inside a spring-forward gap, where 02:30 becomes
 * 03:30 and so lands after a real 03:15. Only sub-daily rules reach both; the later wall time is
 * then dropped, so instants strictly increase and none repeats.
 */
export function scan(
  series: Series,
  rule: Rule,
  dtstart: Date,
  skipBefore: number,
  after: number,
  visit: (occurrence: Date) => boolean,
): void {
  const end = series.end?.getTime() ?? Number.POSITIVE_INFINITY;
  if (after >= end) return;
  const clock = zoneClock(series.timeZone);
  let latest = after;
  rejectWhenExhausted(
    () =>
      walk(rule, dtstart, (floating) => {
        const wall = floating.getTime();
        if (wall < skipBefore) return true;
        const at = clock.toInstant(wall);
        if (at <= latest) return true;
        if (at > end) return false;
        latest = at;
        return visit(new Date(at));
      }),
    TOO_RARE,
  );
}

export function checkInstant(name: string, value: Date): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} must be a valid Date`);
  return ms;
}
