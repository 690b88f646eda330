/** One limit: at most `quota` requests of one key (a user, an address) per window. */
export interface RateLimitPolicy {
  /** Names the policy in the RateLimit fields: "user", "address". */
  name: string;
  quota: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Requests left to the key in this window, after this one. */
  remaining: number;
  /** Whole seconds until the window ends (at least 1). */
  resetSeconds: number;
}

/** A replica's own counts in one window, as it shares them with the other replicas. */
export interface WindowCounts {
  window: number;
  counts: Record<string, number>;
}

/**
 * Fixed windows aligned to the epoch (window n covers [n*w, (n+1)*w) seconds), so every replica
 * agrees on the window boundaries without talking. The hot path is a Map lookup: what the other
 * replicas admitted comes in through `setPeers`, off the request path.
 */
export class WindowCounter {
  readonly policy: RateLimitPolicy;
  readonly #windowMs: number;
  #window = Number.NaN;
  /** What this replica admitted in the current window. */
  #local = new Map<string, number>();
  /** What the other replicas admitted in the current window, as last heard. */
  #peers = new Map<string, number>();

  constructor(policy: RateLimitPolicy) {
    this.policy = policy;
    this.#windowMs = policy.windowSeconds * 1000;
  }

  /** Counts one request of `key` if the key has quota left; refused ones are not counted. */
  take(key: string, nowMs: number): RateLimitDecision {
    this.#roll(nowMs);
    const resetSeconds = Math.max(
      1,
      Math.ceil(((this.#window + 1) * this.#windowMs - nowMs) / 1000),
    );
    const local = this.#local.get(key) ?? 0;
    const used = local + (this.#peers.get(key) ?? 0);
    if (used >= this.policy.quota) return { allowed: false, remaining: 0, resetSeconds };
    this.#local.set(key, local + 1);
    return { allowed: true, remaining: this.policy.quota - used - 1, resetSeconds };
  }

  /** This replica's counts in the current window, to publish. */
  snapshot(nowMs: number): WindowCounts {
    this.#roll(nowMs);
    return { window: this.#window, counts: Object.fromEntries(this.#local) };
  }

  /**
   * Replaces what the other replicas admitted with their latest published counts. Counts of
   * another window (a replica that has not rolled over yet, or a late answer) are ignored.
   */
  setPeers(peers: WindowCounts[], nowMs: number): void {
    this.#roll(nowMs);
    const sums = new Map<string, number>();
    for (const peer of peers) {
      if (peer.window !== this.#window) continue;
      for (const [key, count] of Object.entries(peer.counts)) {
        if (Number.isSafeInteger(count) && count > 0) sums.set(key, (sums.get(key) ?? 0) + count);
      }
    }
    this.#peers = sums;
  }

  #roll(nowMs: number): void {
    const window = Math.floor(nowMs / this.#windowMs);
    if (window === this.#window) return;
    this.#window = window;
    // A new window starts from zero everywhere: memory is bounded by one window's keys.
    this.#local = new Map();
    this.#peers = new Map();
  }
}
