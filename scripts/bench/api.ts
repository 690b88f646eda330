// `pnpm bench:api`: task creation through the real task-api process (built output) on a fresh
// database, driven by autocannon from this process over loopback. Each create commits the task
// and its outbox event in one transaction. Two task-api processes run side by side, one with
// the rate limits off and one with them on (quotas too large to reach, so every create is
// counted and none refused), and each run is made against both in turn. Prints a Markdown
// section for docs/benchmarks.md.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { createRateLimiter, limitMember, signDevToken } from '@taskflow/service-kit';
import { createTestDatabase } from '@taskflow/testkit';
import { cpuSeconds, NO_RATE_LIMITS, waitForOk } from './measure.ts';

const main = fileURLToPath(new URL('../../services/task-api/dist/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('bench:api: build first (pnpm build)');
  process.exit(2);
}
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;

/** Nanoseconds per request of the limiter's request-path work, as the hooks do it. */
function limiterLoopNs(): number {
  const policies = [
    { name: 'address', quota: 1e9, windowSeconds: 60 },
    { name: 'user', quota: 1e9, windowSeconds: 60 },
  ];
  const limiter = createRateLimiter({ policies });
  const members = Object.fromEntries(policies.map((policy) => [policy.name, limitMember(policy)]));
  const iterations = 1_000_000;
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    for (const policy of policies) {
      const key = policy.name === 'user' ? `user-${i % 100}` : `10.0.${i % 100}.1`;
      sink += members[policy.name]!(limiter.take(policy.name, key)!).length;
    }
  }
  const ns = Number(process.hrtime.bigint() - started) / iterations;
  return sink > 0 ? ns : Number.NaN;
}
const secret = 'bench-secret-bench-secret-bench-secret!!';

const database = await createTestDatabase();
// No sidecar runs here, so the limiter counts per process (RATE_LIMIT_STATE_STORE=none): this
// measures the per-request cost; the exchange with other replicas is off the request path.
const LIMITS_ON = {
  RATE_LIMIT_USER: '1000000000',
  RATE_LIMIT_ADDRESS: '1000000000',
  RATE_LIMIT_STATE_STORE: 'none',
};
const startApi = (limits: Record<string, string>, port: number) => {
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '20',
      AUTH_JWT_SECRET: secret,
      LOG_LEVEL: 'warn',
      ...limits,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return { port, child };
};
const firstPort = 18_000 + Math.floor(Math.random() * 1000);
const apis = { off: startApi(NO_RATE_LIMITS, firstPort), on: startApi(LIMITS_ON, firstPort + 1) };

try {
  for (const { port } of Object.values(apis)) await waitForOk(`http://127.0.0.1:${port}/readyz`);
  const token = await signDevToken('bench-user', secret);
  const request = (port: number) => ({
    url: `http://127.0.0.1:${port}/api/bench-user/tasks`,
    method: 'POST' as const,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: 'Buy milk',
      description: 'Get 2% milk',
      due_date: '2030-02-15T09:00:00Z',
    }),
  });
  const run = async (name: string, limits: 'off' | 'on', options: Partial<autocannon.Options>) => {
    const { port, child } = apis[limits];
    await autocannon({ ...request(port), connections: 10, duration: 3, ...options }); // warm-up
    const before = cpuSeconds(child.pid!);
    const result = await autocannon({ ...request(port), duration: seconds, ...options });
    const cpu = (cpuSeconds(child.pid!) - before) / seconds;
    return { name, limits, result, cpu };
  };

  const scenarios: Array<[string, Partial<autocannon.Options>]> = [
    ['max throughput, 64 connections', { connections: 64 }],
    ['fixed rate 500/s, 16 connections', { connections: 16, overallRate: 500 }],
    ['fixed rate 1,000/s, 32 connections', { connections: 32, overallRate: 1000 }],
  ];
  const runs: Array<Awaited<ReturnType<typeof run>>> = [];
  for (const [name, options] of scenarios) {
    runs.push(await run(name, 'off', options), await run(name, 'on', options));
  }
  /** task-api CPU per create, in microseconds. */
  const perCreate = (r: Awaited<ReturnType<typeof run>>) =>
    (r.cpu * 1e6) / r.result.requests.average;
  // The machine's other load moves one run's figures by tens of percent: the cost of the limits
  // is read from several alternating pairs at a fixed rate, CPU per create, median of the pairs.
  const pairs = [];
  for (let i = 0; i < PAIRS; i++) {
    const options = { connections: 32, overallRate: 1000, duration: 10 };
    // Every other pair runs "on" first, so neither side always follows the other.
    const order: Array<'off' | 'on'> = i % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    const cost = { off: 0, on: 0 };
    for (const limits of order) cost[limits] = perCreate(await run('pair', limits, options));
    const { off, on } = cost;
    pairs.push({ off, on, change: (on / off - 1) * 100 });
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const limiterNs = limiterLoopNs();

  const sql = postgres(database.url, { max: 1 });
  const [{ tasks, events }] = await sql<[{ tasks: number; events: number }]>`
    select (select count(*) from tasks)::int as tasks, (select count(*) from events)::int as events`;
  await sql.end();

  const lines = [
    `### Task creation (\`pnpm bench:api\`, ${new Date().toISOString().slice(0, 10)})`,
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ` +
      `${seconds} s per run after a 3 s warm-up; task-api (pool 20) and Postgres on the same machine.`,
    'Each run against task-api with the rate limits off, then against one with them on.',
    '',
    '| run | rate limits | creates/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | task-api CPU | CPU µs per create |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.name} | ${r.limits} | ${Math.round(r.result.requests.average)} | ${r.result.latency.p50} | ` +
        `${r.result.latency.p90} | ${r.result.latency.p99} | ${r.result.latency.max} | ` +
        `${r.result.non2xx + r.result.errors} | ${Math.round(r.cpu * 100)}% | ${Math.round(perCreate(r))} |`,
    ),
    '',
    `Rate limits on vs off, ${PAIRS} alternating pairs at 1,000 creates/s (10 s each), task-api CPU per create:`,
    ...pairs.map(
      (p, i) =>
        `- pair ${i + 1}: off ${Math.round(p.off)} µs, on ${Math.round(p.on)} µs (${signed(p.change)}%)`,
    ),
    `- median change: ${signed(median(pairs.map((p) => p.change)))}%; the limiter's own work per request ` +
      `(two policies counted, their RateLimit members written), in a loop in this process: ${limiterNs.toFixed(0)} ns.`,
    '',
    `Afterwards: ${tasks} tasks and ${events} outbox events (one per create: ${tasks === events ? 'yes' : 'NO'}).`,
  ];
  console.log(lines.join('\n'));
  if (tasks !== events || runs.some(({ result }) => result.non2xx + result.errors > 0))
    process.exitCode = 1;
} finally {
  for (const { child } of Object.values(apis)) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await database.drop();
}
