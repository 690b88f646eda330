// `pnpm bench:search`: GET .../tasks latency with search, tag and priority filters and sorts,
// over BENCH_SEARCH_TASKS (1,000,000) tasks of BENCH_SEARCH_USERS (1,000) users, through the
// real task-api process (built output: `pnpm build` first) on a fresh database. The reference,
// measured in the same run on the same data, is the plain first page (newest first). Prints a
// Markdown section for docs/benchmarks.md.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { signDevToken } from '@taskflow/service-kit';
import { createTestDatabase } from '@taskflow/testkit';
import { cpuSeconds, NO_RATE_LIMITS, waitForOk } from './measure.ts';

const TASKS = Number(process.env.BENCH_SEARCH_TASKS ?? 1_000_000);
const USERS = Number(process.env.BENCH_SEARCH_USERS ?? 1_000);
const REQUESTS = Number(process.env.BENCH_SEARCH_REQUESTS ?? 1_000);
const main = fileURLToPath(new URL('../../services/task-api/dist/main.js', import.meta.url));
const secret = 'bench-secret-bench-secret-bench-secret!!';

// A vocabulary of 2,000 made-up words of two or three syllables; task text draws from it with a
// skew (the square of a uniform draw), so some words are common and most are rare, as in text.
const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'sol', 'tu', 'var', 'de', 'xin', 'por', 'el', 'bru'];
const words = Array.from({ length: 2_000 }, (_, i) => {
  const parts = [i % 12, Math.floor(i / 12) % 12, Math.floor(i / 144) % 12];
  return parts.map((p) => SYLLABLES[p]).join('') + (i >= 1_728 ? 'x' : '');
});
const TAGS = ['work', 'home', 'errands', 'urgent', 'later', 'health', 'money', 'garden'];

const database = await createTestDatabase();
const sql = postgres(database.url, { max: 1, onnotice: () => {} });
const seedStarted = performance.now();
const CHUNK = 100_000;
await sql`insert into users (id) select 'bench-' || u from generate_series(0, ${USERS - 1}::int) u`;
for (let from = 0; from < TASKS; from += CHUNK) {
  const to = Math.min(TASKS, from + CHUNK) - 1;
  await sql`
    insert into tasks (user_id, title, description, priority, tags, completed, due_date,
      created_at, updated_at)
    select 'bench-' || (n % ${USERS}::int),
      (select string_agg((${words}::text[])[1 + floor(power(random(), 2) * 2000)::int], ' ')
        from generate_series(1, 3 + (n % 3)) where n >= 0),
      case when n % 3 = 0 then null else
        (select string_agg((${words}::text[])[1 + floor(power(random(), 2) * 2000)::int], ' ')
          from generate_series(1, 12) where n >= 0) end,
      case when n % 5 = 0 then null else 1 + n % 4 end,
      (select coalesce(array_agg(distinct (${TAGS}::text[])[1 + floor(random() * 8)::int]), '{}')
        from generate_series(1, n % 3) where n >= 0),
      n % 4 = 0,
      case when n % 2 = 0 then null else now() + (n % 1000) * interval '1 hour' end,
      now() - n * interval '1 second', now() - n * interval '1 second'
    from generate_series(${from}::int, ${to}::int) n`;
  process.stderr.write(`search bench: ${to + 1} tasks\r`);
}
await sql`analyze tasks`;
const seedSeconds = (performance.now() - seedStarted) / 1000;
const [index] = await sql<{ size: string }[]>`
  select pg_size_pretty(pg_relation_size('idx_tasks_user_search')) as size`;
process.stderr.write(`\nsearch bench: seeded in ${seedSeconds.toFixed(0)} s\n`);

const port = 18_500 + Math.floor(Math.random() * 500);
const child = spawn(process.execPath, [main], {
  env: {
    ...process.env,
    ...NO_RATE_LIMITS,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    AUTH_JWT_SECRET: secret,
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});

interface Scenario {
  name: string;
  query: (i: number) => string;
}
// Common words are near the vocabulary's start (the skew), rare ones near its end.
const common = (i: number) => words[i % 20]!;
const rare = (i: number) => words[1_500 + (i % 500)]!;
const scenarios: Scenario[] = [
  { name: 'first page, newest first (reference)', query: () => '' },
  { name: '`q`: a common word, ranked', query: (i) => `q=${common(i)}` },
  { name: '`q`: a rare word, ranked', query: (i) => `q=${rare(i)}` },
  { name: '`q`: two words, ranked', query: (i) => `q=${common(i)}%20${words[40 + (i % 40)]}` },
  { name: '`q`: a common word, newest first', query: (i) => `q=${common(i)}&sort=created_at` },
  { name: '`tags=work,urgent`', query: () => 'tags=work,urgent' },
  { name: '`priority=4`, `sort=due_date`', query: () => 'priority=4&sort=due_date' },
  {
    name: '`sort=priority`, page 2',
    query: () => 'sort=priority&cursor=3_ffffffff-ffff-4fff-bfff-ffffffffffff',
  },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

try {
  await waitForOk(`http://127.0.0.1:${port}/readyz`);
  const tokens = await Promise.all(
    Array.from({ length: USERS }, (_, u) => signDevToken(`bench-${u}`, secret)),
  );
  const rows: string[] = [];
  let reference = 0;
  for (const scenario of scenarios) {
    const get = async (i: number) => {
      const u = (i * 7919) % USERS;
      const started = performance.now();
      const response = await fetch(
        `http://127.0.0.1:${port}/api/bench-${u}/tasks?limit=50&${scenario.query(i)}`,
        { headers: { authorization: `Bearer ${tokens[u]}` } },
      );
      const body = (await response.json()) as { items: unknown[] };
      if (response.status !== 200) throw new Error(`${scenario.name}: ${response.status}`);
      return { ms: performance.now() - started, items: body.items.length };
    };
    for (let i = 0; i < 50; i++) await get(i + REQUESTS); // warm-up
    const cpuBefore = cpuSeconds(child.pid!);
    const latencies: number[] = [];
    let items = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const { ms, items: n } = await get(i);
      latencies.push(ms);
      items += n;
    }
    const cpuMs = ((cpuSeconds(child.pid!) - cpuBefore) * 1000) / REQUESTS;
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    if (reference === 0) reference = p50;
    rows.push(
      `| ${scenario.name} | ${(items / REQUESTS).toFixed(1)} | ${p50.toFixed(1)} | ` +
        `${percentile(latencies, 99).toFixed(1)} | ${(p50 / reference).toFixed(1)}× | ${cpuMs.toFixed(2)} |`,
    );
  }
  const commit = await new Promise<string>((resolve) => {
    const git = spawn('git', ['rev-parse', '--short', 'HEAD']);
    let out = '';
    git.stdout.on('data', (chunk: Buffer) => (out += chunk));
    git.on('exit', () => resolve(out.trim()));
  });
  console.log(
    [
      `### Search, filters and sorts over ${TASKS.toLocaleString('en')} tasks of ${USERS.toLocaleString('en')} users (${new Date().toISOString().slice(0, 10)})`,
      '',
      `\`pnpm bench:search\`, commit ${commit}, ${os.cpus().length} cores; task-api (built) and Postgres on the same machine; ` +
        `${REQUESTS} sequential requests per row (\`limit=50\`, a different user each time) after 50 to warm up. ` +
        `Seeded in ${seedSeconds.toFixed(0)} s (the search trigger included); the GIN index of (user_id, search vector): ${index!.size}.`,
      '',
      '| query | items per page | p50 ms | p99 ms | p50 vs reference | task-api CPU ms per request |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  );
} finally {
  child.kill();
  await sql.end();
  await database.drop();
}
