import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '@taskflow/service-kit';
import {
  createTestDatabase,
  freePort,
  runId,
  startProcess,
  type RunningProcess,
  type TestDatabase,
} from '@taskflow/testkit';

// The one process on direct Kafka as Cloud Simple runs it on Redpanda Cloud: SASL/SCRAM-SHA-256
// over TLS, here the local broker's SASL_SSL listener with its self-signed CA
// (scripts/provision/kafka.sh). Flushed out at startup: a wrong password, an untrusted CA.
const VARIABLES = [
  'KAFKA_SASL_SSL_BROKERS',
  'KAFKA_TEST_CA_FILE',
  'KAFKA_TEST_SASL_USERNAME',
  'KAFKA_TEST_SASL_PASSWORD',
];
const missing = VARIABLES.filter((name) => !process.env[name]);
if (missing.length > 0) {
  throw new Error(`${missing.join(', ')} not set: run \`eval "$(bash scripts/provision/all.sh)"\``);
}
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const namespace = runId();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
  execFileSync('bash', [`${repo}/scripts/provision/kafka.sh`, 'delete-namespace', namespace], {
    stdio: 'ignore',
  });
});

async function startTaskflow(changes: Record<string, string | undefined>) {
  const port = await freePort();
  const env = Object.fromEntries(
    Object.entries({
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      AUTH_JWT_SECRET: SECRET,
      TOPIC_NAMESPACE: namespace,
      KAFKA_BOOTSTRAP_SERVERS: process.env.KAFKA_SASL_SSL_BROKERS,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: process.env.KAFKA_TEST_SASL_USERNAME,
      KAFKA_SASL_PASSWORD: process.env.KAFKA_TEST_SASL_PASSWORD,
      KAFKA_SSL_CA_FILE: process.env.KAFKA_TEST_CA_FILE,
      ...changes,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const child = startProcess({
    name: 'taskflow',
    command: process.execPath,
    args: ['--conditions=@taskflow/source', main],
    env,
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

async function readyOrExit(child: RunningProcess, base: string): Promise<'ready' | 'exited'> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitStatus()) return 'exited';
    const logs = child.logs();
    if (/taskflow is ready/.test(logs)) return 'ready';
    await sleep(100);
  }
  throw new Error(`neither ready nor exited within 60 s (${base}):\n${child.logs()}`);
}

describe('the one process on Kafka over SASL_SSL with SCRAM-SHA-256', () => {
  it('connects, and a task reaches its socket through the broker', async () => {
    const { child, base } = await startTaskflow({});
    try {
      expect(await readyOrExit(child, base), child.logs()).toBe('ready');
      const token = await signDevToken('sasl-user', SECRET);
      const socket = new WebSocket(`${base.replace('http', 'ws')}/ws/user/sasl-user/tasks`, [
        'bearer',
        token,
      ]);
      const titles: string[] = [];
      socket.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as {
          type: string;
          data?: { title?: string };
        };
        if (message.type === 'task.created' && message.data?.title) titles.push(message.data.title);
      });
      await new Promise((resolve, reject) => {
        socket.addEventListener('open', resolve, { once: true });
        socket.addEventListener('error', reject, { once: true });
      });
      // The per-process group joins at the newest offset: create until one arrives.
      const deadline = Date.now() + 30_000;
      for (let n = 0; titles.length === 0 && Date.now() < deadline; n++) {
        const created = await fetch(`${base}/api/sasl-user/tasks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `over TLS ${n}` }),
        });
        expect(created.status).toBe(201);
        await sleep(500);
      }
      socket.close();
      expect(titles.length, child.logs()).toBeGreaterThan(0);
      expect(child.logs()).toMatch(/"messaging":"kafka"/);
    } finally {
      await child.stop();
    }
  }, 90_000);

  it('a wrong password stops it at startup, saying so', async () => {
    const { child, base } = await startTaskflow({ KAFKA_SASL_PASSWORD: 'not-the-password' });
    expect(await readyOrExit(child, base)).toBe('exited');
    expect(child.exitStatus()?.code).toBe(1);
    expect(child.logs()).toMatch(/^taskflow: .*(authentication|SASL)/im);
    expect(child.logs()).not.toContain('not-the-password');
  }, 90_000);

  it('without the CA the broker certificate is untrusted: verification is on by default', async () => {
    const { child, base } = await startTaskflow({ KAFKA_SSL_CA_FILE: undefined });
    expect(await readyOrExit(child, base)).toBe('exited');
    expect(child.exitStatus()?.code).toBe(1);
    expect(child.logs()).toMatch(/^taskflow: .*certificate/im);
  }, 90_000);
});
