import { Temporal } from 'temporal-polyfill';
import type { LocalDateTime } from './local-time.ts';

/**
 * The IANA id of `name` in its canonical spelling ("europe/berlin" -> "Europe/Berlin"), or null
 * when it is not a zone we know. UTC offsets such as "+01:00" are refused: a fixed offset does not
 * follow a place's DST changes, which is the point of storing a zone.
 */
export function canonicalTimeZone(name: string): string | null {
  if (name.trim() === '' || /^[+-]/.test(name)) return null;
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(name).timeZoneId;
  } catch {
    return null;
  }
}

/** The wall-clock time at `instant`, seconds dropped. */
export function instantToLocal(instant: Date, timeZone: string): LocalDateTime {
  const z = Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(timeZone);
  return { year: z.year, month: z.month, day: z.day, hour: z.hour, minute: z.minute };
}

const TWO_DAYS_MS = 2 * 86_400_000;

/** A stretch of instants [from, to) over which the zone's offset stays the same. */
interface Stretch {
  readonly offset: number;
  readonly from: number;
  readonly to: number;
}

/** Enough for the stretches of a few years of a DST zone, which a scheduler moves around in. */
const STRETCHES_KEPT = 8;

/**
 * Wall time <-> instant for one zone, fast away from its offset changes. Between two changes
 * the offset is constant, and a wall time more than two days from either change has exactly one
 * instant (offsets differ by at most 26 hours), so plain arithmetic gives what `compatible`
 * gives. Only times near a change, or in a stretch not seen yet, ask Temporal. Wall times are
 * floating milliseconds (see local-time.ts).
 */
export class ZoneClock {
  readonly timeZone: string;
  readonly #stretches: Stretch[] = [];

  constructor(timeZone: string) {
    this.timeZone = timeZone;
  }

  /**
   * The instant of a wall time. `compatible` is RFC 5545 §3.3.5: a time in a spring-forward gap
   * moves forward by the gap (02:30 -> 03:30), a repeated fall-back time takes the first instant.
   */
  toInstant(wall: number): number {
    const plain = this.#plainStretch(wall, wall);
    if (plain !== undefined) return wall - plain.offset;
    const d = new Date(wall);
    const instant = new Temporal.PlainDateTime(
      d.getUTCFullYear(),
      d.getUTCMonth() + 1,
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
    ).toZonedDateTime(this.timeZone, { disambiguation: 'compatible' }).epochMilliseconds;
    this.#learn(instant);
    return instant;
  }

  toWall(instant: number): number {
    const stretch =
      this.#stretches.find((s) => instant >= s.from && instant < s.to) ?? this.#learn(instant);
    return instant + stretch.offset;
  }

  /** Whether every wall time in [first, last] maps by one offset alone. */
  isPlain(first: number, last: number): boolean {
    return this.#plainStretch(first, last) !== undefined;
  }

  #plainStretch(first: number, last: number): Stretch | undefined {
    return this.#stretches.find(
      (s) => first - s.offset >= s.from + TWO_DAYS_MS && last - s.offset < s.to - TWO_DAYS_MS,
    );
  }

  #learn(instant: number): Stretch {
    const zoned = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(this.timeZone);
    // 'previous' looks strictly before, and the instant may be a change itself.
    const before = zoned.add({ nanoseconds: 1 }).getTimeZoneTransition('previous');
    const after = zoned.getTimeZoneTransition('next');
    const stretch: Stretch = {
      offset: zoned.offsetNanoseconds / 1e6,
      from: before?.epochMilliseconds ?? Number.NEGATIVE_INFINITY,
      to: after?.epochMilliseconds ?? Number.POSITIVE_INFINITY,
    };
    this.#stretches.unshift(stretch);
    if (this.#stretches.length > STRETCHES_KEPT) this.#stretches.pop();
    return stretch;
  }
}

const clocks = new Map<string, ZoneClock>();

/** One ZoneClock per zone, kept: the stretch it has learnt serves the next call too. */
export function zoneClock(timeZone: string): ZoneClock {
  let clock = clocks.get(timeZone);
  if (clock === undefined) {
    clock = new ZoneClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}
