import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTaskflowClient,
  LiveSocket,
  TaskSync,
  type LiveSocketEvents,
  type TaskflowClient,
} from '@taskflow/client';
import type { WsMessage } from '@taskflow/contracts';
import type { Fleet } from '@taskflow/testkit';
import type { User } from './harness.ts';

/** The WebSocket base URL of one ws-notifier replica. */
export function notifierUrl(fleet: Fleet, replica: number): string {
  const notifier = fleet.replicas['ws-notifier'][replica];
  if (!notifier) throw new Error(`no ws-notifier replica ${replica}`);
  return notifier.url.replace('http', 'ws');
}

export function restClient(fleet: Fleet, user: Pick<User, 'id' | 'token'>): TaskflowClient {
  return createTaskflowClient({ baseUrl: fleet.api, userId: user.id, token: () => user.token });
}

export interface RecordedSocket {
  live: LiveSocket;
  events: Array<[keyof LiveSocketEvents, unknown]>;
  messages: () => WsMessage[];
  /** Waits until an emitted event matches. */
  until(
    match: (type: keyof LiveSocketEvents, value: unknown) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
}

/** @taskflow/client's LiveSocket on one replica, with everything it emits recorded. */
export function recordedSocket(
  fleet: Fleet,
  user: User,
  replica: number,
  options: { lastEventId?: string } = {},
): RecordedSocket {
  const live = new LiveSocket({
    baseUrl: notifierUrl(fleet, replica),
    userId: user.id,
    token: () => user.token,
    ...options,
  });
  const events: RecordedSocket['events'] = [];
  for (const type of ['state', 'message', 'hello', 'resync', 'closed'] as const) {
    live.on(type, (value) => events.push([type, value]));
  }
  return {
    live,
    events,
    messages: () => events.filter(([type]) => type === 'message').map(([, m]) => m as WsMessage),
    async until(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (events.some(([type, value]) => match(type, value))) return;
        await sleep(10);
      }
      throw new Error(`not emitted within ${timeoutMs} ms: ${JSON.stringify(events).slice(-2000)}`);
    },
  };
}

/** A TaskSync (REST snapshot + live events by version) for one user on one replica. */
export function taskSync(fleet: Fleet, user: User, replica: number): TaskSync {
  const live = new LiveSocket({
    baseUrl: notifierUrl(fleet, replica),
    userId: user.id,
    token: () => user.token,
  });
  return new TaskSync({ api: restClient(fleet, user), live });
}
