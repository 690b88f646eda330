// `pnpm bench:scheduler [redis|kafka]`: 10,000 series due in the same second, through the real
// fleet (task-api, one scheduler, ws-notifier, each from its built output with its daprd, on the
// broker). The series are created over HTTP, all starting at the same whole minute; the clock
// then starts at that instant and the script measures, from the database and from the users'
// WebSockets: when every instance was spawned, when every recurring.spawned event was published,
// and when every one reached its user's socket; with the scheduler's CPU and memory meanwhile.
// Prints a Markdown section for docs/benchmarks.md.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { Pool } from 'undici';
import { signDevToken } from '@taskflow/service-kit';
import { FLEET_JWT_SECRET, startFleet, type Broker, type Fleet } from '@taskflow/testkit';
import { cpuSeconds, rssMiB, NO_RATE_LIMITS } from './measure.ts';

const broker = (process.argv[2] ?? 'redis') as Broker;
const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const USERS = Number(process.env.BENCH_USERS ?? 100);
const MINUTE = 60_000;

const fleet = await startFleet({
  broker,
  replicas: { 'task-api': 1, 'ws-notifier': 1, scheduler: 1 },
  env: { LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '20', ...NO_RATE_LIMITS },
});
const sql = postgres(fleet.database.url, { max: 2, onnotice: () => {} });

try {
  const api = new Pool(fleet.api, { connections: 32, pipelining: 1 });
  const users = await Promise.all(
    Array.from({ length: USERS }, async (_, i) => {
      const id = `bench-${i}-${Date.now().toString(36)}`;
      return { id, token: await signDevToken(id, FLEET_JWT_SECRET) };
    }),
  );
  // Arrival time of each spawned instance on its user's socket (first copy only).
  const arrivals = new Map<string, number>();
  const sockets = await Promise.all(
    users.map((user) =>
      connect(fleet, user, (instanceId) => {
        if (!arrivals.has(instanceId)) arrivals.set(instanceId, Date.now());
      }),
    ),
  );
  const createSeries = async (user: (typeof users)[number], title: string, start: number) => {
    const { statusCode, body } = await api.request({
      path: `/api/${user.id}/tasks`,
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        title,
        recurrence: { rule: 'FREQ=DAILY', time_zone: 'Europe/Berlin', start: new Date(start) },
      }),
    });
    const text = await body.text();
    if (statusCode !== 201) throw new Error(`create answered ${statusCode}: ${text}`);
  };

  // Warm-up: a series due a minute ago must reach its socket (consumer groups joined).
  const warm = users[0]!;
  for (let i = 0; arrivals.size === 0; i++) {
    if (i === 120) throw new Error('bench:scheduler: nothing was delivered during the warm-up');
    await createSeries(warm, 'warm-up', Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE);
    await sleep(1000);
  }

  // Every series starts at the same whole minute, far enough ahead to create them all and let
  // their task.created events drain first.
  const createdIn = Number(process.env.BENCH_CREATE_SECONDS ?? 60) * 1000;
  const due = Math.ceil((Date.now() + createdIn) / MINUTE) * MINUTE;
  const createStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < SERIES) {
        const n = next++;
        await createSeries(users[n % USERS]!, `series ${n}`, due);
      }
    }),
  );
  const createSeconds = (performance.now() - createStarted) / 1000;
  if (Date.now() > due - 5000) {
    throw new Error(
      `bench:scheduler: creating took ${createSeconds.toFixed(0)} s; raise BENCH_CREATE_SECONDS`,
    );
  }
  arrivals.clear();

  // From one second before the due instant until everything has arrived (or 120 s).
  const scheduler = fleet.replicas.scheduler[0]!;
  await sleep(due - 1000 - Date.now());
  const [{ baseline }] = await sql<[{ baseline: number }]>`
    select count(*)::int as baseline from events
    where event_type = 'recurring.spawned' and published_at is not null`;
  const cpuBefore = {
    app: cpuSeconds(scheduler.process.pid!),
    sidecar: cpuSeconds(scheduler.daprd.process.pid!),
  };
  const loadBefore = os.loadavg()[0]!;
  const sampledAt = Date.now();
  let peakRss = 0;
  let spawnedAt: number | undefined;
  let publishedAt: number | undefined;
  let deliveredAt: number | undefined;
  const deadline = due + 120_000;
  const done = () =>
    spawnedAt !== undefined && publishedAt !== undefined && deliveredAt !== undefined;
  while (Date.now() < deadline && !done()) {
    peakRss = Math.max(peakRss, rssMiB(scheduler.process.pid!));
    if (spawnedAt === undefined || publishedAt === undefined) {
      // Cheap counts (Postgres shares the machine with the scheduler): instances of the due
      // instant, and spawned events published since the start.
      const [row] = await sql<[{ spawned: number; published: number }]>`
        select (select count(*) from tasks where occurrence_at = ${new Date(due)})::int as spawned,
          (select count(*) from events where event_type = 'recurring.spawned'
            and published_at is not null)::int as published`;
      if (spawnedAt === undefined && row!.spawned >= SERIES) spawnedAt = Date.now();
      if (publishedAt === undefined && row!.published - baseline >= SERIES)
        publishedAt = Date.now();
    }
    if (deliveredAt === undefined && arrivals.size >= SERIES) deliveredAt = Date.now();
    await sleep(spawnedAt === undefined || publishedAt === undefined ? 100 : 50);
  }
  const cpu = {
    app: cpuSeconds(scheduler.process.pid!) - cpuBefore.app,
    sidecar: cpuSeconds(scheduler.daprd.process.pid!) - cpuBefore.sidecar,
  };
  const window = (Date.now() - sampledAt) / 1000;
  const [{ instances, duplicates }] = await sql<[{ instances: number; duplicates: number }]>`
    select count(*)::int as instances, (count(*) - count(distinct series_id))::int as duplicates
    from tasks where occurrence_at = ${new Date(due)}`;
  const metrics = await (await fetch(`${scheduler.url}/metrics`)).text();
  const ticks = /taskflow_scheduler_tick_duration_seconds_count\{[^}]*\} (\d+)/.exec(metrics)?.[1];

  const latencies = [...arrivals.values()].map((at) => at - due).sort((a, b) => a - b);
  const pct = (q: number) =>
    latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
      : NaN;
  const after = (at: number | undefined) =>
    at === undefined ? 'not within 120 s' : `${((at - due) / 1000).toFixed(1)} s`;

  for (const socket of sockets) socket.close();
  await api.close();

  console.log(
    [
      `### ${SERIES.toLocaleString('en')} series due in the same second, ${broker} (\`pnpm bench:scheduler ${broker}\`, ${new Date().toISOString().slice(0, 10)})`,
      '',
      `${os.cpus().length} cores, Node ${process.version}; one scheduler (SPAWN_BATCH_SIZE 500), task-api, ws-notifier, ` +
        `their daprd, Postgres, ${broker === 'kafka' ? 'Kafka' : 'Redis'} and this script on one machine. ` +
        `${SERIES.toLocaleString('en')} daily series of ${USERS} users (one socket each), created over HTTP in ` +
        `${createSeconds.toFixed(0)} s, all starting at the same whole minute. Times are from that instant.`,
      '',
      '| all instances spawned | all recurring.spawned marked published | all delivered to sockets | delivery p50 / p95 / p99 | instances (duplicates) | scheduler CPU (avg over the window) | scheduler daprd CPU | scheduler peak RSS |',
      '|---|---|---|---|---|---|---|---|',
      `| ${after(spawnedAt)} | ${after(publishedAt)} | ${after(deliveredAt)} (${arrivals.size.toLocaleString('en')} arrived) | ` +
        `${(pct(0.5) / 1000).toFixed(1)} / ${(pct(0.95) / 1000).toFixed(1)} / ${(pct(0.99) / 1000).toFixed(1)} s | ` +
        `${instances.toLocaleString('en')} (${duplicates}) | ${cpu.app.toFixed(1)} CPU-s (${Math.round((100 * cpu.app) / window)}% over ${window.toFixed(1)} s) | ` +
        `${cpu.sidecar.toFixed(1)} CPU-s | ${peakRss.toFixed(0)} MiB |`,
      '',
      `Scheduler ticks that ran: ${ticks ?? '?'} (the cron fires every second; a tick works up to TICK_BUDGET_MS, 5 s). ` +
        `Load average (1 min) when the series fell due: ${loadBefore.toFixed(1)} on ${os.cpus().length} cores.`,
    ].join('\n'),
  );
  if (instances !== SERIES || duplicates !== 0 || deliveredAt === undefined) process.exitCode = 1;
} finally {
  await sql.end();
  await fleet.stop();
}

function connect(fleet: Fleet, user: { id: string; token: string }, onSpawn: (id: string) => void) {
  const url = `${fleet.replicas['ws-notifier'][0]!.url.replace('http', 'ws')}/ws/user/${user.id}/tasks`;
  const ws = new WebSocket(url, ['bearer', user.token]);
  ws.addEventListener('message', (event) => {
    // Only spawns count; task.created/updated and control messages (hello, pong) do not.
    const message = JSON.parse(String(event.data)) as { type?: string; data?: { id?: string } };
    if (message.type === 'recurring.spawned' && message.data?.id) onSpawn(message.data.id);
  });
  return new Promise<WebSocket>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(ws), { once: true });
    ws.addEventListener('error', reject, { once: true });
  });
}
