import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { instantFromPostgres, instantToPostgres } from './instant.ts';

const at = (iso: string) => new Date(iso).getTime();

describe('instantFromPostgres', () => {
  it.each([
    // What V8's `new Date(text)` reads as Invalid Date or as the wrong century.
    ['0025-01-06 06:00:00+00', '0025-01-06T06:00:00.000Z'],
    ['0099-01-06 06:00:00+00', '0099-01-06T06:00:00.000Z'],
    ['0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'],
    ['2026-12-02 10:11:12.345+00', '2026-12-02T10:11:12.345Z'],
    ['2026-12-02 10:11:12.3+00', '2026-12-02T10:11:12.300Z'],
    // Microseconds are cut to the milliseconds the columns keep.
    ['2026-12-02 10:11:12.345678+00', '2026-12-02T10:11:12.345Z'],
    // Another session time zone, LMT offsets with seconds, json's `T` and `+00:00`.
    ['2026-12-02 11:11:12+01', '2026-12-02T10:11:12.000Z'],
    ['1800-01-06 06:53:28+00:53:28', '1800-01-06T06:00:00.000Z'],
    ['2026-12-02 05:41:12-04:30', '2026-12-02T10:11:12.000Z'],
    ['2026-12-02T10:11:12.5+00:00', '2026-12-02T10:11:12.500Z'],
    ['9999-12-31 23:59:59.999+00', '9999-12-31T23:59:59.999Z'],
  ])('%s is %s', (text, iso) => {
    expect(instantFromPostgres(text).toISOString()).toBe(iso);
  });

  it('reads years BC and beyond 9999 as the instants they are', () => {
    expect(instantFromPostgres('0001-12-31 23:00:00+00 BC').getTime()).toBe(
      at('0000-12-31T23:00:00.000Z'),
    );
    expect(instantFromPostgres('0002-01-01 00:00:00+00 BC').getUTCFullYear()).toBe(-1);
    expect(instantFromPostgres('10000-01-01 00:59:59+00').getTime()).toBe(
      at('+010000-01-01T00:59:59.000Z'),
    );
  });

  it('refuses text that is no timestamptz, and instants JavaScript cannot hold', () => {
    expect(() => instantFromPostgres('infinity')).toThrow(RangeError);
    expect(() => instantFromPostgres('2026-12-02')).toThrow(RangeError);
    expect(() => instantFromPostgres('294276-12-31 23:59:59+00')).toThrow(RangeError);
  });
});

describe('instantToPostgres', () => {
  it('writes ISO 8601 for years 1-9999 and Postgres spelling outside them', () => {
    expect(instantToPostgres(new Date('0025-01-06T06:00:00Z'))).toBe('0025-01-06T06:00:00.000Z');
    expect(instantToPostgres(new Date('0000-12-31T23:00:00Z'))).toBe('0001-12-31T23:00:00.000Z BC');
    expect(instantToPostgres(new Date('+010000-01-01T00:00:00Z'))).toBe(
      '10000-01-01T00:00:00.000Z',
    );
  });

  it('refuses an Invalid Date', () => {
    expect(() => instantToPostgres(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('the two together', () => {
  // Postgres writes what it read back in its own form; the parse of that form must give the
  // instant written. Postgres's output is modelled here from the ISO text: "T" -> " ", "Z" -> "+00".
  const postgresOutput = (written: string) => written.replace('T', ' ').replace(/\.?0*Z/, '+00');

  it('round-trip every millisecond from year 1 BC to 9999', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at('0000-01-01T00:00:00.000Z'), max: at('9999-12-31T23:59:59.999Z') }),
        (ms) => {
          const date = new Date(ms);
          const text = postgresOutput(instantToPostgres(date));
          expect(instantFromPostgres(text).getTime()).toBe(ms);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
