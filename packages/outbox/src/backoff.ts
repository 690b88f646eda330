/**
 * Exponential backoff with full jitter: the n-th consecutive failure waits a random time up to
 * min(cap, base * 2^n), so relays that failed together do not retry together.
 */
export function backoffDelay(
  failures: number,
  baseMs: number,
  capMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(failures, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}
