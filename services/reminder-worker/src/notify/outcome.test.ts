import { describe, expect, it } from 'vitest';
import { permanent, retryAfterMs, retryDelayMs, settlementOf, transient } from './outcome.ts';

const settings = { maxAttempts: 6, retryBaseMs: 10_000 };
const middle = () => 0.5;

describe('retryDelayMs', () => {
  it('waits 10 s, 30 s, 2 min, 10 min, then 1 h with the default base, without jitter at 0.5', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((attempt) => retryDelayMs(attempt, 10_000, middle))).toEqual([
      10_000, 30_000, 120_000, 600_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
  });

  it('jitters within ±20 %', () => {
    expect(retryDelayMs(1, 10_000, () => 0)).toBe(8_000);
    expect(retryDelayMs(1, 10_000, () => 0.999_999)).toBe(12_000);
    for (let i = 0; i < 200; i++) {
      const wait = retryDelayMs(3, 1_000);
      expect(wait).toBeGreaterThanOrEqual(9_600);
      expect(wait).toBeLessThanOrEqual(14_400);
    }
  });

  it('scales with the base (tests use a tiny one)', () => {
    expect(retryDelayMs(2, 10, middle)).toBe(30);
  });
});

describe('settlementOf', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it('sends, fails at once on a permanent error, retries a transient one', () => {
    expect(settlementOf({ ok: true }, 1, settings, now)).toEqual({
      settlement: { status: 'sent' },
      outcome: 'sent',
    });
    expect(settlementOf(permanent('HTTP 410'), 1, settings, now)).toEqual({
      settlement: { status: 'failed', error: 'HTTP 410' },
      outcome: 'failed',
    });
    expect(settlementOf(transient('HTTP 500'), 2, settings, now, middle)).toEqual({
      settlement: { status: 'pending', retryAt: new Date(now + 30_000), error: 'HTTP 500' },
      outcome: 'retried',
    });
  });

  it('fails for good after the last attempt, saying so', () => {
    const { settlement, outcome } = settlementOf(transient('HTTP 503'), 6, settings, now);
    expect(outcome).toBe('failed');
    expect(settlement).toEqual({
      status: 'failed',
      error: 'HTTP 503 (attempt 6 of 6: no more retries)',
    });
  });

  it("waits at least as long as the receiver's Retry-After, at most an hour", () => {
    const longer = settlementOf(transient('HTTP 429', 300_000), 1, settings, now, middle);
    expect(longer.settlement).toMatchObject({ retryAt: new Date(now + 300_000) });
    const shorter = settlementOf(transient('HTTP 429', 1_000), 1, settings, now, middle);
    expect(shorter.settlement).toMatchObject({ retryAt: new Date(now + 10_000) });
    const absurd = settlementOf(transient('HTTP 429', 86_400_000), 1, settings, now, middle);
    expect(absurd.settlement).toMatchObject({ retryAt: new Date(now + 3_600_000) });
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 01 Jan 2030 00:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Mon, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
