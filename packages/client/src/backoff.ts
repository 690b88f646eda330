export interface BackoffOptions {
  /** The ceiling of the first retry (default 250 ms). */
  firstMs?: number;
  /** The ceiling never grows past this (default 5 s). */
  maxMs?: number;
}

/**
 * How long to wait before reconnection attempt `attempt` (0 for the first). The ceiling doubles
 * from `firstMs` up to `maxMs`; the delay is drawn between half the ceiling and the ceiling
 * ("equal jitter"), so that thousands of clients dropped by one restarting replica spread
 * their returns instead of arriving in one wave, while none waits longer than the ceiling.
 */
export function backoffDelay(
  attempt: number,
  { firstMs = 250, maxMs = 5_000 }: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
