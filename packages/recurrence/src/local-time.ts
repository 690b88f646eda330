/**
 * A wall-clock time in the series' zone, to the minute. Occurrences are computed on these and
 * only then turned into instants, so "09:00 every day" stays 09:00 across DST changes.
 */
export interface LocalDateTime {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/**
 * rrule does its calendar arithmetic on Dates read through their UTC fields ("floating" time),
 * which has no DST, so wall-clock values travel to and from it as Dates whose UTC fields are the
 * wall clock. Such a Date is not an instant; it never leaves this package.
 */
export function toFloating(t: LocalDateTime): Date {
  return new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute));
}

/** Monday 0 ... Sunday 6, as rrule counts. */
export function weekdayOf(t: LocalDateTime): number {
  return (toFloating(t).getUTCDay() + 6) % 7;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatDate(t: LocalDateTime): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
}

export function formatClock(hour: number, minute: number): string {
  return `${pad(hour)}:${pad(minute)}`;
}

export function formatLocal(t: LocalDateTime): string {
  return `${formatDate(t)} ${formatClock(t.hour, t.minute)}`;
}
