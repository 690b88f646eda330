// `pnpm bench:api`: task creation through the real task-api process (built output) on a fresh
// database, driven by autocannon from this process over loopback. Each create commits the task
// and its outbox event in one transaction. Prints a Markdown section for docs/benchmarks.md.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { signDevToken } from '@taskflow/service-kit';
import { createTestDatabase } from '@taskflow/testkit';
import { cpuSeconds, waitForOk } from './measure.ts';

const main = fileURLToPath(new URL('../../services/task-api/dist/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('bench:api: build first (pnpm build)');
  process.exit(2);
}
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const secret = 'bench-secret-bench-secret-bench-secret!!';

const database = await createTestDatabase();
const port = 18_000 + Math.floor(Math.random() * 1000);
const api = spawn(process.execPath, [main], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '20',
    AUTH_JWT_SECRET: secret,
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});

try {
  await waitForOk(`http://127.0.0.1:${port}/readyz`);
  const token = await signDevToken('bench-user', secret);
  const request = {
    url: `http://127.0.0.1:${port}/api/bench-user/tasks`,
    method: 'POST' as const,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: 'Buy milk',
      description: 'Get 2% milk',
      due_date: '2030-02-15T09:00:00Z',
    }),
  };
  const run = async (name: string, options: Partial<autocannon.Options>) => {
    await autocannon({ ...request, connections: 10, duration: 3, ...options }); // warm-up
    const before = cpuSeconds(api.pid!);
    const result = await autocannon({ ...request, duration: seconds, ...options });
    const cpu = (cpuSeconds(api.pid!) - before) / seconds;
    return { name, result, cpu };
  };

  const runs = [
    await run('max throughput, 64 connections', { connections: 64 }),
    await run('fixed rate 500/s, 16 connections', { connections: 16, overallRate: 500 }),
    await run('fixed rate 1,000/s, 32 connections', { connections: 32, overallRate: 1000 }),
  ];

  const sql = postgres(database.url, { max: 1 });
  const [{ tasks, events }] = await sql<[{ tasks: number; events: number }]>`
    select (select count(*) from tasks)::int as tasks, (select count(*) from events)::int as events`;
  await sql.end();

  const lines = [
    `### Task creation (\`pnpm bench:api\`, ${new Date().toISOString().slice(0, 10)})`,
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ` +
      `${seconds} s per run after a 3 s warm-up; task-api (pool 20) and Postgres on the same machine.`,
    '',
    '| run | creates/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | task-api CPU |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map(
      ({ name, result, cpu }) =>
        `| ${name} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p90} | ` +
        `${result.latency.p99} | ${result.latency.max} | ${result.non2xx + result.errors} | ${Math.round(cpu * 100)}% |`,
    ),
    '',
    `Afterwards: ${tasks} tasks and ${events} outbox events (one per create: ${tasks === events ? 'yes' : 'NO'}).`,
  ];
  console.log(lines.join('\n'));
  if (tasks !== events || runs.some(({ result }) => result.non2xx + result.errors > 0))
    process.exitCode = 1;
} finally {
  api.kill('SIGTERM');
  await new Promise((resolve) => api.once('exit', resolve));
  await database.drop();
}
