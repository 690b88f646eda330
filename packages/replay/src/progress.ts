const count = new Intl.NumberFormat('en-US');

/** 1234567 -> "1,234,567". */
export const formatCount = (n: number) => count.format(Math.round(n));

/** A duration for people: "850 ms", "42 s", "3 min 05 s", "2 h 07 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

/** Events per second over `elapsedMs`. */
export const ratePerSecond = (events: number, elapsedMs: number) =>
  elapsedMs > 0 ? (events * 1000) / elapsedMs : 0;

/** One progress line of `replay republish`: done/total, share, rate, ETA and where it stands. */
export function republishProgressLine(p: {
  done: number;
  total: number;
  elapsedMs: number;
  lastSeq: number;
}): string {
  const rate = ratePerSecond(p.done, p.elapsedMs);
  const left = Math.max(0, p.total - p.done);
  const share = p.total > 0 ? ` (${((100 * p.done) / p.total).toFixed(1)}%)` : '';
  const eta = left === 0 ? 'done' : rate > 0 ? formatDuration((1000 * left) / rate) : 'unknown';
  return (
    `republish: ${formatCount(p.done)}/${formatCount(p.total)} events${share}, ` +
    `${formatCount(rate)} events/s, ETA ${eta}, last seq ${p.lastSeq}`
  );
}

/**
 * Calls `print` at most every `everyMs` (and always for `force`): progress lines for a log,
 * not a flood.
 */
export function throttled<T>(
  everyMs: number,
  print: (value: T) => void,
  now = () => performance.now(),
) {
  let last = Number.NEGATIVE_INFINITY;
  return (value: T, force = false) => {
    const t = now();
    if (!force && t - last < everyMs) return;
    last = t;
    print(value);
  };
}
