import { afterAll, onTestFailed } from 'vitest';
import { WsMessage, WsProjectMessage } from '@taskflow/contracts';
import { signDevToken } from '@taskflow/service-kit';
import {
  brokerOfRun,
  FLEET_JWT_SECRET,
  startFleet,
  type Fleet,
  type FleetOptions,
} from '@taskflow/testkit';

/**
 * The fleet for one test file, on the run's broker; stopped after the file. When a test fails,
 * every process's last log lines are printed with it. `env` goes to every service (e.g. a short
 * REMINDER_GRACE_SECONDS).
 */
export async function fleetForFile(
  replicas: FleetOptions['replicas'],
  env?: FleetOptions['env'],
): Promise<Fleet> {
  const fleet = await startFleet({ broker: brokerOfRun(), replicas, ...(env ? { env } : {}) });
  afterAll(() => fleet.stop(), 60_000);
  return fleet;
}

export function printLogsOnFailure(fleet: Fleet): void {
  onTestFailed(() => {
    console.error(fleet.logs());
  });
}

/** A JSON answer of task-api: a task, a list or an error body. */
export type Answer = { id: string } & Record<string, unknown>;

export interface User {
  id: string;
  token: string;
  /** Calls task-api as this user. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Answer }>;
}

/** A user calling this fleet's task-api; `id` to be one that already calls another fleet. */
export async function newUser(
  fleet: Fleet,
  prefix = 'user',
  id = `${prefix}-${crypto.randomUUID()}`,
): Promise<User> {
  const token = await signDevToken(id, FLEET_JWT_SECRET);
  return {
    id,
    token,
    async call(method, path, body) {
      const response = await fetch(`${fleet.api}/api/${id}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : undefined };
    },
  };
}

/**
 * When a socket message arrived (`receivedAt`, performance.now()), on the wall clock: the
 * database's and the workers' clock. Converted from how long ago it was, not added to
 * performance.timeOrigin: the monotonic clock and the wall clock drift apart while a clock is
 * slewed (NTP), by tens of milliseconds over a test file's minutes, which made a reminder look
 * early by 12 ms.
 */
export const arrivedAt = (receivedAt: number): number =>
  Date.now() - (performance.now() - receivedAt);

export interface Socket {
  messages: Array<{ message: WsMessage; receivedAt: number }>;
  /** Messages about projects and their members (docs/api.md, "Projects"). */
  projectMessages: WsProjectMessage[];
  /** Resolves with the first message (already received or to come) that matches. */
  waitFor(
    match: (message: WsMessage) => boolean,
    timeoutMs?: number,
  ): Promise<{ message: WsMessage; receivedAt: number }>;
  close(): void;
}

/** A browser-like socket: the token travels as the subprotocols `bearer, <token>`. */
export async function openSocket(fleet: Fleet, user: User, replica = 0): Promise<Socket> {
  const notifier = fleet.replicas['ws-notifier'][replica];
  if (!notifier) throw new Error(`no ws-notifier replica ${replica}`);
  const url = `${notifier.url.replace('http', 'ws')}/ws/user/${user.id}/tasks`;
  const ws = new WebSocket(url, ['bearer', user.token]);
  const messages: Socket['messages'] = [];
  const projectMessages: WsProjectMessage[] = [];
  const waiters = new Set<() => void>();
  ws.addEventListener('message', (event) => {
    const json: unknown = JSON.parse(String(event.data));
    const project = WsProjectMessage.safeParse(json);
    if (project.success) projectMessages.push(project.data);
    // Event messages only: control messages (hello, resync, pong; docs/realtime.md) pass by.
    const parsed = WsMessage.safeParse(json);
    if (!parsed.success) return;
    messages.push({ message: parsed.data, receivedAt: performance.now() });
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`socket to ${url} failed`)), {
      once: true,
    });
  });
  return {
    messages,
    projectMessages,
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find((m) => match(m.message));
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message within ${timeoutMs} ms (got ${messages.length})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => ws.close(),
  };
}

/**
 * What a client shows of a socket's messages: delivery is at least once, so it keeps the first
 * of each `event_id` (docs/realtime.md), in arrival order.
 */
export function firstOfEach(messages: Socket['messages']): WsMessage[] {
  const shown = new Map<string, WsMessage>();
  for (const { message } of messages) {
    if (!shown.has(message.event_id)) shown.set(message.event_id, message);
  }
  return [...shown.values()];
}

/**
 * A new user and their socket, made active on the fan-out: one event of theirs delivered, then
 * time for the sidecar's offset commit (every second). On Kafka a per-pod group that has never
 * committed on the user's partition rejoins it at `newest` after losing the broker
 * (docs/realtime.md, "Broker outages"); a test of a broker fault starts from an active user.
 */
export async function activeUser(fleet: Fleet): Promise<{ user: User; socket: Socket }> {
  const user = await newUser(fleet);
  const socket = await openSocket(fleet, user);
  const first = await user.call('POST', '/tasks', { title: 'before the fault' });
  await socket.waitFor((m) => m.data.id === first.json.id, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  return { user, socket };
}

/**
 * Waits until the pipeline delivers end to end (consumer groups joined, partitions assigned):
 * a probe user creates tasks until one reaches its socket on every ws-notifier replica.
 */
export async function waitUntilDelivering(fleet: Fleet, timeoutMs = 90_000): Promise<void> {
  const probe = await newUser(fleet, 'probe');
  const sockets = await Promise.all(
    fleet.replicas['ws-notifier'].map((_, index) => openSocket(fleet, probe, index)),
  );
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { json } = await probe.call('POST', '/tasks', { title: 'probe' });
      const arrived = await Promise.all(
        sockets.map((s) =>
          s
            .waitFor((m) => m.data.id === json.id, 1000)
            .then(
              () => true,
              () => false,
            ),
        ),
      );
      if (arrived.every(Boolean)) return;
    }
    throw new Error(`the pipeline did not deliver within ${timeoutMs} ms`);
  } finally {
    for (const socket of sockets) socket.close();
  }
}

/**
 * Polls `read` until `done` holds for its value and returns it; after `timeoutMs` it fails with
 * the last value read.
 */
export async function eventually<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`not reached within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
