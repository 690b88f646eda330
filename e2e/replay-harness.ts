import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { WsMessage } from '@taskflow/contracts';
import {
  FLEET_JWT_SECRET,
  freePort,
  startDaprd,
  startProcess,
  type Fleet,
} from '@taskflow/testkit';
import type { User } from './harness.ts';

const repo = fileURLToPath(new URL('../', import.meta.url));

// The fleet's tokens (packages/testkit/src/fleet.ts keeps them private): a replica started here
// must be the fleet's own, so its sidecar and app accept each other and task-api's sidecar
// accepts the CLI.
const APP_API_TOKEN = 'fleet-app-token';
const DAPR_API_TOKEN = 'fleet-dapr-token';

/** `pnpm replay ...` as an operator runs it, with task-api's sidecar as its Dapr. */
export function runReplay(fleet: Fleet, args: string[]) {
  const sidecar = fleet.replicas['task-api'][0]!.daprd;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@taskflow/source', join(repo, 'packages/replay/src/cli.ts'), ...args],
      {
        cwd: repo,
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: fleet.database.url,
          DAPR_HTTP_PORT: String(sidecar.httpPort),
          DAPR_API_TOKEN,
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

export interface ExtraNotifier {
  url: string;
  stop(): Promise<void>;
  logs(): string;
}

/**
 * A ws-notifier replica that joins after the fact, as a new pod would: its own daprd with a
 * new pod name, hence a consumer group of its own on `taskflow-fanout`. It loads the very
 * resources of the fleet's first ws-notifier sidecar (read from that daprd's command line).
 */
export async function startExtraNotifier(fleet: Fleet): Promise<ExtraNotifier> {
  const template = fleet.replicas['ws-notifier'][0]!.daprd;
  const argv = readFileSync(`/proc/${template.process.pid}/cmdline`, 'utf8').split('\0');
  const valueOf = (flag: string) => argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1]!] : []));
  const port = await freePort();
  const daprd = await startDaprd({
    appId: 'ws-notifier',
    appPort: port,
    resourcesPaths: valueOf('--resources-path'),
    configPath: valueOf('--config')[0]!,
    appApiToken: APP_API_TOKEN,
    daprApiToken: DAPR_API_TOKEN,
    podName: `ws-notifier-late-${process.pid}-${Date.now().toString(36)}`,
  });
  const app = startProcess({
    name: 'ws-notifier#late',
    command: process.execPath,
    args: [join(repo, 'services', 'ws-notifier', 'dist', 'main.js')],
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: fleet.database.url,
      AUTH_JWT_SECRET: FLEET_JWT_SECRET,
      DAPR_HTTP_PORT: String(daprd.httpPort),
      DAPR_API_TOKEN,
      APP_API_TOKEN,
      LOG_LEVEL: 'info',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await app.stop();
    await daprd.stop();
  };
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || app.exitStatus()) {
      await stop();
      throw new Error(`the late ws-notifier did not get ready:\n${app.logs()}\n${daprd.logs()}`);
    }
    await sleep(100);
  }
  return { url, stop, logs: () => `${app.logs()}\n${daprd.logs()}` };
}

export interface EventSocket {
  /** Event messages in arrival order; control messages (hello, pong...) are left out. */
  messages: WsMessage[];
  waitFor(match: (message: WsMessage) => boolean, timeoutMs?: number): Promise<WsMessage>;
  close(): void;
}

/** A browser-like socket on one ws-notifier (token as the subprotocols `bearer, <token>`). */
export async function eventSocket(notifierUrl: string, user: User): Promise<EventSocket> {
  const url = `${notifierUrl.replace('http', 'ws')}/ws/user/${user.id}/tasks`;
  const ws = new WebSocket(url, ['bearer', user.token]);
  const messages: WsMessage[] = [];
  const waiters = new Set<() => void>();
  ws.addEventListener('message', (event) => {
    const parsed = WsMessage.safeParse(JSON.parse(String(event.data)));
    if (!parsed.success) return;
    messages.push(parsed.data);
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
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
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
 * Waits until a task created now reaches `user`'s socket on that notifier: its consumer group
 * has its partitions (on Kafka a new group starts at the newest offset once it has them).
 */
export async function waitUntilNotifierDelivers(
  notifierUrl: string,
  user: User,
  timeoutMs = 90_000,
): Promise<void> {
  const socket = await eventSocket(notifierUrl, user);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { json } = await user.call('POST', '/tasks', { title: 'probe' });
      const arrived = await socket
        .waitFor((m) => m.data.id === json.id, 1000)
        .then(
          () => true,
          () => false,
        );
      if (arrived) return;
    }
    throw new Error(`${notifierUrl} did not deliver within ${timeoutMs} ms`);
  } finally {
    socket.close();
  }
}

/** Polls `read` until `done` holds; returns the last value read. */
export async function eventually<T>(
  read: () => Promise<T>,
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
    await sleep(200);
  }
}

/** A counter on one replica's /metrics, summed over the label sets that contain `labels`. */
export async function counter(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
