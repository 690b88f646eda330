export interface TaskOrderLimits {
  /** How long an event waits for its task's missing predecessor before it is sent anyway. */
  holdMs: number;
  /** Tasks whose last delivered version is remembered; the least recently delivered go first. */
  maxTasks: number;
  /** Events held back, all tasks together; above it the oldest hold is given up at once. */
  maxHeld: number;
}

/** What became of an offered event. */
export type Verdict =
  /** Sent now (with any held successors it unblocked). */
  | 'sent'
  /** Waiting for a lower version of its task. */
  | 'held'
  /** Not newer than what was already sent for its task: a redelivery, or overtaken. Not sent. */
  | 'late'
  /** The same version is already waiting: a redelivery. Not sent. */
  | 'repeat';

/** Why a hold ended before its gap filled. */
export type GiveUpReason = 'expired' | 'memory';

/** Where the ordering hands events on, and tells of gaps it gave up on. */
export interface TaskOrderSink<T> {
  send(item: T): void;
  gaveUp(taskId: string, reason: GiveUpReason, missing: { after: number; next: number }): void;
}

interface Hold<T> {
  /** When the wait ends (ms). */
  deadline: number;
  /** The version sent last (0: none yet, the task's creation is awaited). */
  after: number;
  items: Map<number, T>;
}

/**
 * Puts each task's events back into version order on this replica, so every socket (and the
 * resume buffer, which is filled in the same order) gets them as a naive client would apply
 * them. Redis Streams hands a subscriber's messages to many concurrent workers and daprd
 * publishes a bulk call's entries in parallel, so a task's events can arrive in any order.
 *
 * An event whose predecessor has not been sent waits, at most `holdMs`, and goes as soon as the
 * gap fills; when the wait ends, the task's waiting events go in version order anyway, and a
 * straggler that turns up later is not sent after its successors. Pure: the caller supplies the
 * clock and calls `expire` at `nextDeadline`.
 *
 * A task never seen here is not always waited for: only when its creation must still be on the
 * way (created after everything this replica has forgotten: its start, its last eviction).
 * Otherwise its earlier versions went by before this replica knew it, and its first event is
 * sent at once.
 */
export class TaskOrder<T> {
  readonly #limits: TaskOrderLimits;
  readonly #sink: TaskOrderSink<T>;
  /** Last version sent per task; Map order is recency (re-inserted on each send). */
  readonly #sent = new Map<string, number>();
  /** Tasks with events waiting; Map order is deadline order (holdMs is constant). */
  readonly #holds = new Map<string, Hold<T>>();
  #heldCount = 0;
  /** Tasks created up to this instant (ms) may have had versions sent that are forgotten. */
  #forgottenUpTo: number;

  constructor(limits: TaskOrderLimits, since: number, sink: TaskOrderSink<T>) {
    this.#limits = limits;
    this.#forgottenUpTo = since;
    this.#sink = sink;
  }

  /**
   * One event of a task: its version, and when the task was created (ms; the version-1 event's
   * commit), which tells whether this replica must have seen its creation.
   */
  offer(taskId: string, version: number, createdAt: number, item: T, now: number): Verdict {
    const hold = this.#holds.get(taskId);
    if (hold) return this.#offerHeld(taskId, hold, version, item, now);
    const last = this.#sent.get(taskId);
    const expected = last ?? (createdAt > this.#forgottenUpTo ? 0 : version - 1);
    if (version <= expected) return 'late';
    if (version === expected + 1) {
      this.#sink.send(item);
      this.#remember(taskId, version, now);
      return 'sent';
    }
    this.#holds.set(taskId, {
      deadline: now + this.#limits.holdMs,
      after: expected,
      items: new Map([[version, item]]),
    });
    this.#heldCount++;
    if (this.#heldCount > this.#limits.maxHeld) this.#giveUpOldest('memory', now);
    return 'held';
  }

  /** Ends the holds whose time is up: their events go in version order. */
  expire(now: number): void {
    for (const [taskId, hold] of this.#holds) {
      if (hold.deadline > now) return;
      this.#release(taskId, hold, 'expired', now);
    }
  }

  /** When the next hold ends (ms), if any event is waiting. */
  nextDeadline(): number | undefined {
    for (const hold of this.#holds.values()) return hold.deadline;
    return undefined;
  }

  get stats(): { tasks: number; held: number } {
    return { tasks: this.#sent.size, held: this.#heldCount };
  }

  #offerHeld(taskId: string, hold: Hold<T>, version: number, item: T, now: number): Verdict {
    if (version <= hold.after) return 'late';
    if (hold.items.has(version)) return 'repeat';
    if (version !== hold.after + 1) {
      hold.items.set(version, item);
      this.#heldCount++;
      if (this.#heldCount > this.#limits.maxHeld) this.#giveUpOldest('memory', now);
      return 'held';
    }
    this.#sink.send(item);
    hold.after = version;
    // The gap is filled: what waited behind it follows, as far as it runs without a new gap.
    for (let next = hold.items.get(version + 1); next !== undefined;) {
      hold.items.delete(++hold.after);
      this.#heldCount--;
      this.#sink.send(next);
      next = hold.items.get(hold.after + 1);
    }
    if (hold.items.size === 0) {
      this.#holds.delete(taskId);
      this.#remember(taskId, hold.after, now);
    }
    return 'sent';
  }

  #giveUpOldest(reason: GiveUpReason, now: number): void {
    for (const [taskId, hold] of this.#holds) return this.#release(taskId, hold, reason, now);
  }

  #release(taskId: string, hold: Hold<T>, reason: GiveUpReason, now: number): void {
    this.#holds.delete(taskId);
    const versions = [...hold.items.keys()].sort((a, b) => a - b);
    this.#sink.gaveUp(taskId, reason, { after: hold.after, next: versions[0]! });
    for (const version of versions) this.#sink.send(hold.items.get(version)!);
    this.#heldCount -= versions.length;
    this.#remember(taskId, versions.at(-1)!, now);
  }

  #remember(taskId: string, version: number, now: number): void {
    this.#sent.delete(taskId);
    this.#sent.set(taskId, version);
    if (this.#sent.size <= this.#limits.maxTasks) return;
    for (const oldest of this.#sent.keys()) {
      this.#sent.delete(oldest);
      // Everything created up to now may have had versions sent that are no longer known.
      this.#forgottenUpTo = now;
      return;
    }
  }
}
