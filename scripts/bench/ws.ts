// `pnpm bench:ws`: one ws-notifier (built output, with its daprd, on Redis Streams) holding many
// authenticated WebSockets, then events published to the broker at a fixed rate and fanned out
// to them. Reports memory per connection and publish-to-socket latency. Prints a Markdown section
// for docs/benchmarks.md. BENCH_WS_CONNECTIONS (10000), BENCH_WS_RATE (1000 events/s),
// BENCH_SECONDS (20), BENCH_WS_TABS (sockets per user, 2).
//
// Each socket is a process file descriptor on both sides: the package script raises the soft
// `ulimit -n` to the hard limit; one process per side keeps each under it. The client sockets are
// `ws`, not Node's built-in WebSocket: 10,000 of them in the load generator cost it far less CPU.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { freshTask, makeEvent, type EventEnvelope, type Task } from '@taskflow/contracts';
import { createDaprClient } from '@taskflow/dapr';
import { signDevToken } from '@taskflow/service-kit';
import { FLEET_DAPR_API_TOKEN, FLEET_JWT_SECRET, startFleet } from '@taskflow/testkit';
import {
  bucketQuantile,
  cpuSeconds,
  lagBuckets,
  metricsOf,
  rssMiB,
  NO_RATE_LIMITS,
} from './measure.ts';

const CONNECTIONS = Number(process.env.BENCH_WS_CONNECTIONS ?? 10_000);
const TABS = Number(process.env.BENCH_WS_TABS ?? 2);
const RATE = Number(process.env.BENCH_WS_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const USERS = Math.ceil(CONNECTIONS / TABS);
/** Upgrades in flight at once while connecting. */
const CONNECT_CONCURRENCY = 200;

const fleet = await startFleet({
  broker: 'redis',
  replicas: { 'ws-notifier': 1 },
  env: { LOG_LEVEL: 'warn', WS_MAX_CONNECTIONS: String(CONNECTIONS * 2), ...NO_RATE_LIMITS },
});

try {
  const notifier = fleet.replicas['ws-notifier'][0]!;
  const pid = notifier.process.pid!;
  const sidecarPid = notifier.daprd.process.pid!;
  const dapr = createDaprClient({
    httpPort: notifier.daprd.httpPort,
    apiToken: FLEET_DAPR_API_TOKEN,
  });
  const users = await Promise.all(
    Array.from({ length: USERS }, async (_, i) => {
      const id = `bench-${i}`;
      return { id, token: await signDevToken(id, FLEET_JWT_SECRET) };
    }),
  );

  // Latency: from the event's timestamp (set when it is published) to its arrival here.
  const latencies: number[] = [];
  let received = 0;
  let measuring = false;
  const onMessage = (data: unknown) => {
    const message = JSON.parse(String(data)) as { timestamp?: string };
    if (!message.timestamp) return; // hello, pong
    received++;
    if (measuring) latencies.push(Date.now() - Date.parse(message.timestamp));
  };

  await sleep(2_000); // let the process settle before the baseline
  const before = await memory(notifier.url, pid);
  const connectStarted = performance.now();
  const sockets: WebSocket[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECT_CONCURRENCY }, async () => {
      while (next < CONNECTIONS) {
        const index = next++;
        sockets.push(await open(notifier.url, users[index % USERS]!, onMessage));
      }
    }),
  );
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  await sleep(3_000);
  const after = await memory(notifier.url, pid);
  const openSockets = Number(
    (await metricsOf(notifier.url)).match(/^taskflow_ws_connections\{[^}]*\} (\d+)/m)?.[1],
  );

  // Warm-up: the first events wake the delivery path (consumer group, bulk batches).
  await publishAtRate(dapr, users, RATE, 3);
  await sleep(1_000);
  const lagBefore = lagBuckets(await metricsOf(notifier.url));
  const cpuBefore = [cpuSeconds(pid), cpuSeconds(sidecarPid)];
  const receivedBefore = received;
  measuring = true;
  const sent = await publishAtRate(dapr, users, RATE, SECONDS);
  for (let i = 0; i < 100 && received - receivedBefore < sent * TABS; i++) await sleep(100);
  measuring = false;
  const cpu = [cpuSeconds(pid) - cpuBefore[0]!, cpuSeconds(sidecarPid) - cpuBefore[1]!];
  const delivered = received - receivedBefore;
  const lagAfter = lagBuckets(await metricsOf(notifier.url));
  const serverLag = (q: number) => bucketQuantile(lagBefore, lagAfter, q);
  for (const socket of sockets) socket.close();

  latencies.sort((a, b) => a - b);
  const pct = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const perConnection = (a: number, b: number) => (((b - a) * 1024) / CONNECTIONS).toFixed(1);
  const percent = (seconds: number) => `${Math.round((100 * seconds) / SECONDS)}%`;

  console.log(
    [
      `### WebSocket fan-out (\`pnpm bench:ws\`, ${new Date().toISOString().slice(0, 10)})`,
      '',
      `${os.cpus().length} cores, Node ${process.version}; one ws-notifier and its daprd, Redis ` +
        `Streams, and this load generator (all sockets in one process) on one machine. ` +
        `${CONNECTIONS} sockets (${USERS} users, ${TABS} each, every one authenticated with its ` +
        `user's JWT before the upgrade); events published to the broker through the sidecar ` +
        `(bulk, every 20 ms), each to one user, for ${SECONDS} s. Latency is from the event's ` +
        'timestamp at publish to its arrival on a socket, for every socket.',
      '',
      '| connections | connect time | ws-notifier RSS before → after | per connection: RSS / JS heap |',
      '|---|---|---|---|',
      `| ${openSockets} open of ${CONNECTIONS} | ${connectSeconds.toFixed(1)} s | ${before.rss.toFixed(0)} → ${after.rss.toFixed(0)} MiB | ${perConnection(before.rss, after.rss)} KiB / ${perConnection(before.heap, after.heap)} KiB |`,
      '',
      '| events/s | deliveries/s | lost | p50 ms | p95 ms | p99 ms | max ms | of which before ws-notifier (its lag metric): p50 / p99 | CPU ws-notifier / its daprd |',
      '|---|---|---|---|---|---|---|---|---|',
      `| ${Math.round(sent / SECONDS)} | ${Math.round(delivered / SECONDS)} | ${sent * TABS - delivered} | ${pct(0.5)} | ${pct(0.95)} | ${pct(0.99)} | ${latencies.at(-1)} | ≤ ${serverLag(0.5)} / ≤ ${serverLag(0.99)} ms | ${cpu.map(percent).join(' / ')} |`,
    ].join('\n'),
  );
} finally {
  await fleet.stop();
}

async function open(
  base: string,
  user: { id: string; token: string },
  onMessage: (data: unknown) => void,
): Promise<WebSocket> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/user/${user.id}/tasks`, [
    'bearer',
    user.token,
  ]);
  ws.on('message', onMessage);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', () => reject(new Error(`socket for ${user.id} failed`)));
  });
  return ws;
}

/** Publishes `rate` events a second for `seconds`, round robin over the users; returns how many. */
async function publishAtRate(
  dapr: ReturnType<typeof createDaprClient>,
  users: Array<{ id: string }>,
  rate: number,
  seconds: number,
): Promise<number> {
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  const started = performance.now();
  let sent = 0;
  let cursor = 0;
  const pending: Promise<unknown>[] = [];
  for (let tick = 0; performance.now() - started < seconds * 1000; tick++) {
    const wait = started + tick * tickMs - performance.now();
    if (wait > 1) await sleep(wait);
    const events = Array.from({ length: perTick }, () =>
      taskEvent(users[cursor++ % users.length]!.id),
    );
    pending.push(
      dapr.publishBulk(
        'taskflow-fanout',
        'tasks.events',
        events.map((event) => ({
          entryId: event.event_id,
          event,
          metadata: { partitionKey: event.user_id },
        })),
      ),
    );
    sent += events.length;
  }
  await Promise.all(pending);
  return sent;
}

function taskEvent(userId: string): EventEnvelope {
  const now = new Date().toISOString();
  const task: Task = {
    ...freshTask({ id: crypto.randomUUID(), user_id: userId, title: 'bench' }, now),
    due_date: '2030-01-01T00:00:00.000Z',
  };
  return makeEvent('task.created', task, task, { userId, correlationId: 'bench-ws' });
}

/** RSS from /proc, and the JS heap in use from the service's own /metrics. */
async function memory(url: string, pid: number): Promise<{ rss: number; heap: number }> {
  const heap = Number(
    (await metricsOf(url)).match(/^nodejs_heap_size_used_bytes\{[^}]*\} (\S+)/m)?.[1],
  );
  return { rss: rssMiB(pid), heap: heap / 1024 / 1024 };
}
