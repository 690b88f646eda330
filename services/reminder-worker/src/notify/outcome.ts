import type { Settlement } from '@taskflow/db';
import type { SenderSettings } from './settings.ts';

/**
 * What one attempt to send a delivery came to. `permanent`: trying again cannot help (the
 * address is refused, the receiver said 4xx, the mail server refused the recipient), so the
 * delivery fails at once. `retryAfterMs`: the receiver asked for a wait (429/503 Retry-After).
 */
export type AttemptResult =
  | { ok: true; detail?: string }
  | { ok: false; error: string; permanent: boolean; retryAfterMs?: number };

export const transient = (error: string, retryAfterMs?: number): AttemptResult => ({
  ok: false,
  error,
  permanent: false,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});
export const permanent = (error: string): AttemptResult => ({ ok: false, error, permanent: true });

/** The wait after attempt 1, 2, 3, 4, 5 (and later), in units of the retry base (10 s). */
export const RETRY_STEPS = [1, 3, 12, 60, 360] as const;

/** The longest wait a receiver's Retry-After may ask for. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The wait before the attempt after `attempt` (from 1): with a base of 10 s, 10 s, 30 s, 2 min,
 * 10 min, then 1 h, each within ±20 % (jitter, so that deliveries that failed together, a
 * receiver's outage, do not all come back in the same second).
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random) {
  const step = RETRY_STEPS[Math.min(Math.max(attempt, 1), RETRY_STEPS.length) - 1]!;
  return Math.round(baseMs * step * (0.8 + 0.4 * random()));
}

/** How a delivery's row is settled after an attempt, and what the metrics call it. */
export function settlementOf(
  result: AttemptResult,
  attempt: number,
  settings: Pick<SenderSettings, 'maxAttempts' | 'retryBaseMs'>,
  now: number = Date.now(),
  random: () => number = Math.random,
): { settlement: Settlement; outcome: 'sent' | 'retried' | 'failed' } {
  if (result.ok) return { settlement: { status: 'sent' }, outcome: 'sent' };
  if (result.permanent) {
    return { settlement: { status: 'failed', error: result.error }, outcome: 'failed' };
  }
  if (attempt >= settings.maxAttempts) {
    const error = `${result.error} (attempt ${attempt} of ${settings.maxAttempts}: no more retries)`;
    return { settlement: { status: 'failed', error }, outcome: 'failed' };
  }
  const wait = Math.max(
    retryDelayMs(attempt, settings.retryBaseMs, random),
    Math.min(result.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS),
  );
  return {
    settlement: { status: 'pending', retryAt: new Date(now + wait), error: result.error },
    outcome: 'retried',
  };
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()) {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
