import { LiveSocket } from '@taskflow/client';
import { isTaskMessage, TaskList } from '@taskflow/contracts';
import type { SoakUser, Traffic } from './traffic.ts';

/** What a client knew after reloading over REST: each task's version, from `startedAt` on. */
export interface Snapshot {
  /** When the first page was asked for: every commit before this is in it. */
  startedAt: number;
  versions: Map<string, number>;
}

/**
 * One user's live socket (@taskflow/client's LiveSocket: reconnect with backoff, resume with
 * `last_event_id`), recording what it was sent and, on each `resync`, the REST reload the
 * protocol asks for (docs/realtime.md). Those two together are what this client can know.
 */
export class WatchedSocket {
  readonly received = new Set<string>();
  /** The newest version of each task a task event was sent for (task id -> version). */
  readonly newest = new Map<string, number>();
  readonly snapshots: Snapshot[] = [];
  readonly resyncs: Record<string, number> = {};
  readonly closes: Record<string, number> = {};
  opens = 0;
  /** Reloads that got no answer (task-api gave up): the client would show a stale list. */
  failedReloads = 0;
  readonly user: SoakUser;
  /** The ws-notifier replica it is connected to. */
  readonly replica: number;
  readonly #traffic: Traffic;
  readonly #live: LiveSocket;
  readonly #pending = new Set<Promise<void>>();

  constructor(user: SoakUser, replica: number, baseUrl: string, traffic: Traffic) {
    this.user = user;
    this.replica = replica;
    this.#traffic = traffic;
    this.#live = new LiveSocket({ baseUrl, userId: user.id, token: () => user.token });
    this.#live.on('message', (message) => {
      this.received.add(message.event_id);
      if (isTaskMessage(message) && message.type.startsWith('task.')) {
        const seen = this.newest.get(message.data.id) ?? 0;
        this.newest.set(message.data.id, Math.max(seen, message.aggregate_version));
      }
    });
    this.#live.on('state', (state) => {
      if (state === 'open') this.opens++;
    });
    this.#live.on('closed', ({ code }) => {
      this.closes[code] = (this.closes[code] ?? 0) + 1;
    });
    this.#live.on('resync', ({ reason }) => {
      this.resyncs[reason] = (this.resyncs[reason] ?? 0) + 1;
      const reload = this.#reload().finally(() => this.#pending.delete(reload));
      this.#pending.add(reload);
    });
  }

  get state() {
    return this.#live.state;
  }

  connect(): void {
    this.#live.connect();
  }

  close(): void {
    this.#live.close();
  }

  /** Waits for the reloads under way. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  async #reload(): Promise<void> {
    const versions = new Map<string, number>();
    let startedAt: number | undefined;
    let cursor: string | undefined;
    do {
      const query = `?limit=200${cursor ? `&cursor=${cursor}` : ''}`;
      const answer = await this.#traffic.call(this.user, 'GET', `/tasks${query}`);
      if (!answer || answer.status !== 200) {
        this.failedReloads++;
        return;
      }
      startedAt ??= answer.sentAt;
      const page = TaskList.parse(answer.json);
      for (const task of page.items) versions.set(task.id, task.version);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    this.snapshots.push({ startedAt, versions });
  }
}
