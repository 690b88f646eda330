import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import { createApp, type App } from '@taskflow/service-kit';
import { freePort, startProcess, type RunningProcess } from '@taskflow/testkit';
import { registerSidecarRoutes, type DaprClient } from '../src/index.ts';
import { type Subscription, type Tick } from '@taskflow/messaging';

/** A short id for this test run: topics, groups and keys are unique per run. */
export { runId } from '@taskflow/testkit';

/** Polls until `check` returns something, or fails with `what` and whatever `context` says. */
export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What to print when it times out (logs, recorded requests). */
  context?: () => string;
}

export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 50, context = () => '' }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}\n${context()}`);
    }
    await sleep(intervalMs);
  }
}

export interface PrivateRedis {
  port: number;
  host: string;
  process: RunningProcess;
  stop(): Promise<void>;
}

/**
 * A Redis of the test's own, on a free port, without persistence: stopping it (a broker outage)
 * or configuring it (a small proto-max-bulk-len) touches nobody else's. Fails with the fix when
 * redis-server is not installed.
 */
export async function startRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const child = startProcess({
    name: `redis :${port}`,
    command: 'redis-server',
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      ...extraArgs,
    ],
  });
  const ready = await waitForPort(port, 5_000, () => child.exitStatus() !== undefined);
  if (!ready) {
    await child.stop();
    const status = child.exitStatus();
    const missing = status?.error ? ' (redis-server not found?)' : '';
    throw new Error(
      `redis-server did not start on port ${port}${missing}. Run \`bash scripts/provision/redis.sh\`, ` +
        `which installs it. Output:\n${child.logs()}`,
    );
  }
  return {
    port,
    host: `127.0.0.1:${port}`,
    process: child,
    stop: async () => {
      await child.stop();
    },
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:port within the time. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  givenUp: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !givenUp()) {
    if (await canConnect(port)) return true;
    await sleep(50);
  }
  return false;
}

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A temporary folder of YAML resources, one file per entry. */
export function resourcesDir(files: Record<string, string>): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'taskflow-dapr-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  url: string;
  contentType: string | undefined;
  token: string | undefined;
  body: unknown;
  status?: number;
  reply?: unknown;
}

export interface TestApp {
  app: App;
  port: number;
  /** Every request the app received, with what it answered. */
  requests: RecordedRequest[];
  /** Every log line the app wrote (pino JSON, parsed). */
  logs: LogLine[];
  close(): Promise<void>;
}

/**
 * The app side as a service builds it: service-kit's createApp (zod, cloudevents parser, error
 * body) with registerSidecarRoutes on top, listening on a free port.
 */
export async function startTestApp(options: {
  dapr: Pick<DaprClient, 'publish'>;
  subscriptions?: Subscription[];
  bindings?: Tick[];
  appApiToken?: string;
  /** TOPIC_NAMESPACE: where packages/dapr dead-letters (`<namespace>.events.deadletter`). */
  topicNamespace?: string;
}): Promise<TestApp> {
  const logs: LogLine[] = [];
  const logger: Logger = pino(
    { level: 'debug' },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  );
  const app = createApp({ logger });
  const requests: RecordedRequest[] = [];
  app.addHook('preHandler', async (request) => {
    const token = request.headers['dapr-api-token'];
    requests.push({
      method: request.method,
      url: request.url,
      contentType: request.headers['content-type'],
      token: typeof token === 'string' ? token : undefined,
      body: request.body,
    });
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const recorded = requests.findLast((r) => r.url === request.url && r.status === undefined);
    if (recorded) {
      recorded.status = reply.statusCode;
      recorded.reply = typeof payload === 'string' && payload ? JSON.parse(payload) : payload;
    }
    return payload;
  });
  await registerSidecarRoutes(app, options);
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  return { app, port, requests, logs, close: () => app.close() };
}

/** A CloudEvent-free view of what a handler saw, for assertions. */
export interface Received<T> {
  data: T;
  messageId: string;
  topic: string;
  publishedAt: Date | undefined;
}
