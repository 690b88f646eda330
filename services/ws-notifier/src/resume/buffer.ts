/** One buffered message: the frame exactly as sockets were sent it. */
interface Entry {
  eventId: string;
  frame: string;
  /** When this replica received it (ms), for the age limit. */
  at: number;
}

/** The recent messages of one user, oldest first, with their ids for dedup and lookup. */
interface UserLog {
  entries: Entry[];
  ids: Set<string>;
  bytes: number;
}

export interface ResumeBufferLimits {
  /** Messages kept per user (the newest). */
  perUser: number;
  /** Messages older than this are dropped. */
  maxAgeMs: number;
  /** All users together: above it, the least recently active users' logs are dropped whole. */
  maxBytes: number;
}

/**
 * The last messages of every user, on this replica, so that a client which reconnects with the
 * last `event_id` it saw gets what it missed. Every replica receives every event, so each
 * replica's buffer is complete from the moment it started; only the head is ever trimmed.
 *
 * Resume is therefore exact: if the client's last event is still here, everything after it is
 * here too. If it is not (trimmed, evicted, from before this replica started, or never seen
 * here yet), the answer is `undefined` and the client reloads over REST.
 */
export class ResumeBuffer {
  readonly #limits: ResumeBufferLimits;
  // Map iteration order is insertion order; a user is re-inserted on every message, so the
  // first entries are the least recently active users: the ones evicted first.
  readonly #logs = new Map<string, UserLog>();
  #bytes = 0;
  #messages = 0;

  constructor(limits: ResumeBufferLimits) {
    this.#limits = limits;
  }

  /**
   * Remembers a message. Returns false when this event id is already in the user's log: a
   * redelivery (the broker delivers at least once), which sockets have had already.
   */
  push(userId: string, eventId: string, frame: string, now = Date.now()): boolean {
    let log = this.#logs.get(userId);
    if (log?.ids.has(eventId)) return false;
    if (log) this.#logs.delete(userId);
    else log = { entries: [], ids: new Set(), bytes: 0 };
    this.#logs.set(userId, log);

    const entry = { eventId, frame, at: now };
    log.entries.push(entry);
    log.ids.add(eventId);
    this.#account(log, entry, +1);
    this.#trim(userId, log, now);
    this.#evictOverBudget();
    return true;
  }

  /** Whether this event is in the user's log: it was sent to the user's sockets here. */
  has(userId: string, eventId: string): boolean {
    return this.#logs.get(userId)?.ids.has(eventId) ?? false;
  }

  /**
   * The frames after `lastEventId`, oldest first; an empty list when it was the user's latest;
   * `undefined` when it is not in the buffer, so the client must resync.
   */
  after(userId: string, lastEventId: string, now = Date.now()): string[] | undefined {
    const log = this.#logs.get(userId);
    if (!log) return undefined;
    this.#trim(userId, log, now);
    const index = log.entries.findIndex((entry) => entry.eventId === lastEventId);
    if (index < 0) return undefined;
    return log.entries.slice(index + 1).map((entry) => entry.frame);
  }

  /** Drops what has grown too old, for users who have been quiet since. */
  expire(now = Date.now()): void {
    for (const [userId, log] of this.#logs) this.#trim(userId, log, now);
  }

  get stats(): { users: number; messages: number; bytes: number } {
    return { users: this.#logs.size, messages: this.#messages, bytes: this.#bytes };
  }

  #trim(userId: string, log: UserLog, now: number): void {
    const oldest = now - this.#limits.maxAgeMs;
    while (
      log.entries.length > 0 &&
      (log.entries.length > this.#limits.perUser || log.entries[0]!.at < oldest)
    ) {
      const dropped = log.entries.shift()!;
      log.ids.delete(dropped.eventId);
      this.#account(log, dropped, -1);
    }
    if (log.entries.length === 0) this.#logs.delete(userId);
  }

  #evictOverBudget(): void {
    for (const [userId, log] of this.#logs) {
      if (this.#bytes <= this.#limits.maxBytes) return;
      this.#logs.delete(userId);
      this.#bytes -= log.bytes;
      this.#messages -= log.entries.length;
    }
  }

  #account(log: UserLog, entry: Entry, sign: 1 | -1): void {
    // UTF-16 length plus the id and bookkeeping: an estimate, but one that grows with the data.
    const bytes = (entry.frame.length + entry.eventId.length) * 2 + 64;
    log.bytes += sign * bytes;
    this.#bytes += sign * bytes;
    this.#messages += sign;
  }
}
