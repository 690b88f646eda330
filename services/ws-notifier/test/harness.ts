import type { IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll } from 'vitest';
import WebSocket from 'ws';
import {
  freshTask,
  makeEvent,
  type EventEnvelope,
  type Task,
  type WsServerMessage,
} from '@taskflow/contracts';
import { createDaprClient, daprMessaging } from '@taskflow/dapr';
import {
  createLogger,
  createRateLimiter,
  createTokenVerifier,
  rateLimitPolicies,
  signDevToken,
} from '@taskflow/service-kit';
import { buildWsNotifier } from '../src/app.ts';
import { loadWsNotifierConfig } from '../src/config.ts';

export const SECRET = 'ws-notifier-test-secret-of-32-chars!!';

/**
 * ws-notifier in this process, listening on a free port, with the real config parser. No
 * sidecar (rate limits count per process): events are delivered by POSTing what daprd would POST. Every log line (at trace
 * level) is kept, so tests can check what was logged.
 */
export async function startNotifier(
  env: Record<string, string> = {},
  { port: listenPort = 0 } = {},
) {
  const config = loadWsNotifierConfig({ AUTH_JWT_SECRET: SECRET, DAPR_HTTP_PORT: '1', ...env });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger('ws-notifier', 'trace', sink);
  const { app, sockets, buffer } = await buildWsNotifier({
    messaging: daprMessaging({
      dapr: createDaprClient({ httpPort: 1, timeoutMs: 200 }),
      appId: 'ws-notifier',
      pubsub: 'taskflow-pubsub',
      topicNamespace: '',
    }),
    verifyToken: createTokenVerifier(config),
    logger,
    settings: config,
    // Per process, as without a sidecar: the limits are those of the parsed config.
    rateLimiter: createRateLimiter({ policies: rateLimitPolicies(config) }),
  });
  await app.listen({ port: listenPort, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const notifier = {
    app,
    sockets,
    buffer,
    port,
    url: `ws://127.0.0.1:${port}`,
    logs: () => lines.join(''),
    /** Delivers events as daprd does (one bulk delivery), in this order. */
    async deliver(...events: EventEnvelope[]) {
      const response = await app.inject({
        method: 'POST',
        url: '/events/tasks',
        headers: { 'content-type': 'application/json' },
        payload: {
          id: crypto.randomUUID(),
          type: 'com.dapr.event.sent.bulk',
          topic: 'tasks.events',
          pubsubname: 'taskflow-fanout',
          entries: events.map((event) => ({
            entryId: crypto.randomUUID(),
            contentType: 'application/cloudevents+json',
            event: {
              id: crypto.randomUUID(),
              time: new Date().toISOString(),
              topic: 'tasks.events',
              pubsubname: 'taskflow-fanout',
              data: event,
            },
          })),
        },
      });
      if (response.statusCode !== 200) throw new Error(`delivery answered ${response.statusCode}`);
    },
  };
  afterAll(() => app.close());
  return notifier;
}

export type Notifier = Awaited<ReturnType<typeof startNotifier>>;

export const tokenFor = (userId: string, expiresIn = '1h') =>
  signDevToken(userId, SECRET, { expiresIn });

export function newUserId(): string {
  return `u-${crypto.randomUUID()}`;
}

/** A `task.created` (or another task event) for a user, as task-api would publish it. */
export function taskEvent(
  userId: string,
  options: {
    title?: string;
    version?: number;
    type?: 'task.created' | 'task.updated' | 'task.completed' | 'task.deleted';
    id?: string;
  } = {},
): EventEnvelope {
  const now = new Date().toISOString();
  const task: Task = {
    ...freshTask(
      { id: options.id ?? crypto.randomUUID(), user_id: userId, title: options.title ?? 'a task' },
      now,
    ),
    version: options.version ?? 1,
  };
  return makeEvent(options.type ?? 'task.created', task, task, {
    userId,
    correlationId: 'test',
  });
}

export interface Client {
  ws: WebSocket;
  messages: WsServerMessage[];
  /** The first message (received or to come) that matches. */
  next(match: (message: WsServerMessage) => boolean, timeoutMs?: number): Promise<WsServerMessage>;
  closed: Promise<{ code: number; reason: string }>;
}

/** A client socket; the token as subprotocols `bearer, <token>` unless `how` says otherwise. */
export async function connect(
  notifier: Notifier,
  userId: string,
  options: {
    token?: string;
    how?: 'protocol' | 'query' | 'header';
    lastEventId?: string;
    wsOptions?: WebSocket.ClientOptions;
  } = {},
): Promise<Client> {
  const token = options.token ?? (await tokenFor(userId));
  const how = options.how ?? 'protocol';
  const query = new URLSearchParams();
  if (how === 'query') query.set('access_token', token);
  if (options.lastEventId) query.set('last_event_id', options.lastEventId);
  const url = `${notifier.url}/ws/user/${userId}/tasks${query.size ? `?${query}` : ''}`;
  const ws = new WebSocket(url, how === 'protocol' ? ['bearer', token] : [], {
    ...(how === 'header' ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...options.wsOptions,
  });
  const messages: WsServerMessage[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as WsServerMessage);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
  });
  return {
    ws,
    messages,
    closed,
    next(match, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message in ${timeoutMs} ms: ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** The HTTP status an upgrade was refused with (throws if it was accepted). */
export async function refusedWith(url: string, protocols: string[] = [], headers = {}) {
  return (await refusal(url, protocols, headers)).status;
}

/** The HTTP answer to an upgrade that must be refused (rejects if a socket opens). */
export function refusal(
  url: string,
  protocols: string[] = [],
  headers = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    ws.once('error', () => {});
  });
}

export const eventIdOf = (message: WsServerMessage | undefined) =>
  message && 'event_id' in message ? message.event_id : undefined;
