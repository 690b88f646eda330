import { sql, type SQL } from 'drizzle-orm';

/**
 * `timestamptz` <-> `Date`, exactly, for every instant either side can hold.
 *
 * drizzle's own timestamp column hands Postgres's output text to `new Date(text)`. That text
 * (`0025-01-06 06:00:00+00`, DateStyle ISO) is not ISO 8601, so V8 reads it with its legacy
 * parser, which guesses at short years: years 0-49 come back as an Invalid Date (a later
 * `toISOString()` throws, and every read of the row fails) and years 50-99 as 1950-1999 (the
 * row reads back silently wrong). Years BC (` BC`) and offsets with seconds (an LMT zone such as
 * `+00:53:28`) are refused too. So the text is parsed here, field by field.
 *
 * On the way in, `Date.prototype.toISOString` is what Postgres accepts for years 1-9999; outside
 * them it writes `+010000-…` or `-000001-…`, which Postgres refuses, so those are spelt the way
 * Postgres writes them (`10000-…`, `0002-… BC`).
 */

const OUTPUT =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/** Parses Postgres's text form of a `timestamptz` (any DateStyle ISO output, any session zone). */
export function instantFromPostgres(text: string): Date {
  const match = OUTPUT.exec(text);
  if (!match) throw new RangeError(`not a timestamptz Postgres can write: ${JSON.stringify(text)}`);
  const [, year, month, day, hour, minute, second, fraction, sign, offH, offM, offS, bc] = match;
  const date = new Date(0);
  // setUTCFullYear takes years 0-99 as they are (Date.UTC would add 1900); 1 BC is year 0.
  const astronomicalYear = bc ? 1 - Number(year) : Number(year);
  date.setUTCFullYear(astronomicalYear, Number(month) - 1, Number(day));
  const millis = fraction ? Number(fraction.padEnd(3, '0').slice(0, 3)) : 0; // kept to ms, as stored
  date.setUTCHours(Number(hour), Number(minute), Number(second), millis);
  const offsetSeconds = sign
    ? (sign === '-' ? -1 : 1) * (Number(offH) * 3600 + Number(offM ?? 0) * 60 + Number(offS ?? 0))
    : 0;
  const instant = new Date(date.getTime() - offsetSeconds * 1000);
  if (Number.isNaN(instant.getTime())) {
    throw new RangeError(`timestamptz outside what JavaScript can hold: ${JSON.stringify(text)}`);
  }
  return instant;
}

/** Writes an instant as text that Postgres reads back as the same instant. */
export function instantToPostgres(date: Date): string {
  const iso = date.toISOString(); // throws on an Invalid Date: better here than a wrong row
  const year = date.getUTCFullYear();
  if (year >= 1 && year <= 9999) return iso;
  const rest = iso.slice(iso.indexOf('-', 1)); // "-MM-DDTHH:MM:SS.sssZ"
  return year > 9999 ? `${year}${rest}` : `${String(1 - year).padStart(4, '0')}${rest} BC`;
}

/** An instant column as milliseconds since the epoch, for raw statements' results. */
export const epochMs = (column: SQL) => sql`(extract(epoch from ${column}) * 1000)::float8`;
