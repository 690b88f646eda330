import { setTimeout as sleep } from 'node:timers/promises';
import type { Random } from './random.ts';
import type { Answer, SoakUser, Traffic } from './traffic.ts';

export type Operation = 'create' | 'update' | 'complete' | 'delete' | 'reminder' | 'series';

/** How often each operation is picked, out of the sum. */
const MIX: Array<[Operation, number]> = [
  ['create', 35],
  ['update', 20],
  ['complete', 15],
  ['delete', 10],
  ['reminder', 15],
  ['series', 5],
];
/** A user keeps at most this many series. */
const SERIES_PER_USER = 2;

export interface WorkloadStats {
  /** Requests per operation, by final status ("gave up" when no attempt got an answer). */
  operations: Record<Operation, Record<string, number>>;
  /** Final answers that were not what a correct server gives this client (see `expected`). */
  unexpected: Array<{ at: number; operation: Operation; status: number; body: unknown }>;
  series: number;
  reminders: number;
}

/**
 * The users' steady traffic: each user acts one request at a time (as one person with one page
 * would), at random gaps whose mean gives `opsPerSecond` over all users. Each user knows the
 * tasks it made, so every request is valid: a 4xx is a finding, except what a retry after a lost
 * answer legitimately gets (the first attempt went through).
 */
export async function runWorkload(options: {
  users: SoakUser[];
  traffic: Traffic;
  random: Random;
  opsPerSecond: number;
  until: number;
}): Promise<WorkloadStats> {
  const stats: WorkloadStats = {
    operations: Object.fromEntries(MIX.map(([op]) => [op, {}])) as WorkloadStats['operations'],
    unexpected: [],
    series: 0,
    reminders: 0,
  };
  const meanGapMs = (options.users.length / options.opsPerSecond) * 1000;
  await Promise.all(
    options.users.map(async (user) => {
      const person = new Person(user, options.traffic, options.random, stats);
      await sleep(options.random.gap(meanGapMs));
      while (Date.now() < options.until) {
        await person.act();
        await sleep(options.random.gap(meanGapMs));
      }
    }),
  );
  return stats;
}

class Person {
  readonly #tasks = new Map<string, { completed: boolean }>();
  #series = 0;

  readonly user: SoakUser;
  readonly traffic: Traffic;
  readonly random: Random;
  readonly stats: WorkloadStats;

  constructor(user: SoakUser, traffic: Traffic, random: Random, stats: WorkloadStats) {
    this.user = user;
    this.traffic = traffic;
    this.random = random;
    this.stats = stats;
  }

  async act(): Promise<void> {
    const open = [...this.#tasks].filter(([, t]) => !t.completed).map(([id]) => id);
    const all = [...this.#tasks.keys()];
    let operation = this.#pick();
    // Nothing to act on yet: make something first.
    if (operation !== 'create' && operation !== 'series' && open.length === 0) operation = 'create';
    if (operation === 'series' && this.#series >= SERIES_PER_USER) operation = 'create';
    const id =
      operation === 'create' || operation === 'series'
        ? ''
        : this.random.pick(operation === 'delete' ? all : open);
    const answer = await this.#send(operation, id);
    this.#record(operation, answer);
    // After a delete the task is gone or may be (no answer, a 503 whose first attempt went
    // through, a 404 on a retry): this user forgets it whatever the answer.
    if (operation === 'delete') this.#tasks.delete(id);
    if (!answer) return;
    if (answer.status >= 300) return;
    switch (operation) {
      case 'create':
        this.#tasks.set((answer.json as { id: string }).id, { completed: false });
        break;
      case 'series':
        this.#series++;
        this.stats.series++;
        break;
      case 'complete':
        this.#tasks.set(id, { completed: true });
        break;
      case 'delete':
        this.#tasks.delete(id);
        break;
      case 'reminder':
        this.stats.reminders++;
        break;
      case 'update':
        break;
    }
  }

  #pick(): Operation {
    const total = MIX.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.random.next() * total;
    for (const [operation, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return operation;
    }
    return 'create';
  }

  #send(operation: Operation, id: string): Promise<Answer | undefined> {
    const key = { 'idempotency-key': crypto.randomUUID() };
    const due = new Date(Date.now() + 86_400_000).toISOString();
    const title = `chaos ${operation} ${this.random.int(0, 1e6)}`;
    switch (operation) {
      case 'create':
        return this.traffic.call(this.user, 'POST', '/tasks', { title, due_date: due }, key);
      case 'series': {
        const minute = Math.floor(Date.now() / 60_000) * 60_000;
        // Every 15 minutes is the densest rule task-api takes: the first instance spawns at once.
        const recurrence = {
          rule: 'FREQ=MINUTELY;INTERVAL=15',
          time_zone: 'UTC',
          start: new Date(minute).toISOString(),
        };
        return this.traffic.call(this.user, 'POST', '/tasks', { title, recurrence }, key);
      }
      case 'update':
        return this.traffic.call(this.user, 'PUT', `/tasks/${id}`, { title, due_date: due });
      case 'complete':
        return this.traffic.call(this.user, 'PATCH', `/tasks/${id}/complete`);
      case 'delete':
        return this.traffic.call(this.user, 'DELETE', `/tasks/${id}`);
      case 'reminder': {
        // Due within the run, so reminders fire while processes are being killed; far enough
        // ahead that a request retried through a fault is not refused as past.
        const remindAt = new Date(Date.now() + this.random.int(20_000, 45_000)).toISOString();
        return this.traffic.call(
          this.user,
          'POST',
          `/tasks/${id}/reminders`,
          { remind_at: remindAt },
          key,
        );
      }
    }
  }

  #record(operation: Operation, answer: Answer | undefined): void {
    const outcome = answer ? String(answer.status) : 'gave up';
    const counts = this.stats.operations[operation];
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    if (answer && !expected(operation, answer)) {
      this.stats.unexpected.push({
        at: answer.sentAt,
        operation,
        status: answer.status,
        body: answer.json,
      });
    }
  }
}

/**
 * A 2xx, or what a retry may get when an earlier attempt of the same request went through but
 * its answer was lost with the killed replica: a delete finds the task gone (404). A create or
 * a reminder replays its first answer through its Idempotency-Key, and an update or a complete
 * is the same write again, so those have no excuse.
 */
function expected(operation: Operation, answer: Answer): boolean {
  if (answer.status < 300) return true;
  return operation === 'delete' && answer.status === 404 && answer.attempt > 1;
}
