// `pnpm bench:replay`: `replay verify` throughput (events/s) and the verify process's peak
// memory, over a synthetic store grown in stages up to BENCH_EVENTS (default 1,000,000). The
// same peak at every size is what "constant memory" means. Prints a Markdown section for
// docs/benchmarks.md.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createTestDatabase } from '@taskflow/testkit';
import { cpuSeconds } from './measure.ts';
import { appendTasks, EVENTS_PER_TASK } from './replay-store.ts';

const target = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const stages = [0.25, 1].map((share) => Math.round((target * share) / EVENTS_PER_TASK));
const USERS = 1_000;
const BATCH_SIZES = (process.env.BENCH_BATCH_SIZES ?? '1000,5000,20000').split(',').map(Number);
const repo = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  events: number;
  tasks: number;
  elapsedMs: number;
  wallMs: number;
  cpuSeconds: number;
  peakRssMiB: number;
  differences: number;
}

/** Runs the CLI as an operator would and watches it: peak RSS (VmHWM) and CPU from /proc. */
function verify(url: string, args: string[], nodeArgs: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        '--conditions=@taskflow/source',
        'packages/replay/src/cli.ts',
        'verify',
        '--json',
        ...args,
      ],
      { cwd: repo, env: { PATH: process.env.PATH ?? '', DATABASE_URL: url } },
    );
    let peakKiB = 0;
    let cpu = 0;
    const sample = () => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        peakKiB = Math.max(peakKiB, Number(hwm?.[1] ?? 0));
        cpu = cpuSeconds(child.pid!);
      } catch {
        // The process has just exited; the last sample stands.
      }
    };
    const timer = setInterval(sample, 50);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code) => {
      clearInterval(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`verify exited ${code}: ${stderr}\n${last}`));
      const { summary } = JSON.parse(last) as {
        summary: {
          events: number;
          tasks: number;
          elapsed_ms: number;
          differences: Record<string, number>;
        };
      };
      resolve({
        events: summary.events,
        tasks: summary.tasks,
        elapsedMs: summary.elapsed_ms,
        wallMs: performance.now() - started,
        cpuSeconds: cpu,
        peakRssMiB: peakKiB / 1024,
        differences: Object.values(summary.differences).reduce((a, b) => a + b, 0),
      });
    });
  });
}

/** Peak RSS of the CLI that loads the same modules and does nothing (`help`): Node's floor. */
function baselineRssMiB(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@taskflow/source', 'packages/replay/src/cli.ts', 'help'],
      { cwd: repo, stdio: 'ignore' },
    );
    let peakKiB = 0;
    const timer = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        peakKiB = Math.max(peakKiB, Number(hwm?.[1] ?? 0));
      } catch {
        // exited
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      resolve(peakKiB / 1024);
    });
  });
}

const database = await createTestDatabase();
const sql = postgres(database.url, { max: 1, onnotice: () => {} });
try {
  const rows: string[] = [];
  let tasks = 0;
  for (const stage of stages) {
    const loadStarted = performance.now();
    await appendTasks(sql, { from: tasks, to: stage, users: USERS });
    tasks = stage;
    // A store that has been around: statistics known, visibility map set.
    await sql`vacuum analyze events`;
    await sql`vacuum analyze tasks`;
    const [{ size } = { size: '?' }] = await sql<{ size: string }[]>`
      select pg_size_pretty(pg_total_relation_size('events')) as size`;
    console.error(
      `bench:replay: ${tasks} tasks loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s (events table ${size})`,
    );
    for (const batchSize of stage === stages.at(-1) ? BATCH_SIZES : [5000]) {
      const run = await verify(database.url, ['--batch-size', String(batchSize)]);
      if (run.differences !== 0) throw new Error(`verify found ${run.differences} differences`);
      rows.push(row(`whole store, batch ${batchSize}`, run, size));
      console.error(rows.at(-1));
    }
  }
  // The proof of constant memory: a V8 heap capped far below what 238,000 tasks would take.
  const capped = await verify(database.url, ['--batch-size', '5000'], ['--max-old-space-size=48']);
  rows.push(row('whole store, batch 5000, V8 heap capped at 48 MiB', capped, '-'));
  const user = await verify(database.url, ['--user', 'user-7']);
  rows.push(row('`--user user-7` (1 of 1,000 users)', user, '-'));
  const floor = await baselineRssMiB();

  console.log(
    [
      `### \`replay verify\` (\`pnpm bench:replay\`, ${new Date().toISOString().slice(0, 10)})`,
      '',
      `${os.cpus().length} cores, Node ${process.version}, PostgreSQL on the same machine. Synthetic ` +
        `store: ${USERS.toLocaleString('en-US')} users; each task has task.created, two task.updated ` +
        'and task.completed, one in five also task.deleted; events appended version by version ' +
        "across all tasks, so a task's history is spread over the table. events/s counts task " +
        'events folded and compared per second of the verify itself (one snapshot transaction); ' +
        'wall time includes starting Node. Peak RSS is the verify process’s VmHWM; the same CLI ' +
        `loading the same modules and doing nothing (\`replay help\`) peaks at ${floor.toFixed(0)} MiB.`,
      '',
      '| run | task events | tasks | verify s | events/s | wall s | CPU s (verify process) | peak RSS MiB | events table |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
} finally {
  await sql.end();
  await database.drop();
}

function row(name: string, run: Run, size: string): string {
  const n = (value: number) => Math.round(value).toLocaleString('en-US');
  return (
    `| ${name} | ${n(run.events)} | ${n(run.tasks)} | ${(run.elapsedMs / 1000).toFixed(1)} | ` +
    `${n((run.events * 1000) / run.elapsedMs)} | ${(run.wallMs / 1000).toFixed(1)} | ` +
    `${run.cpuSeconds.toFixed(1)} | ${run.peakRssMiB.toFixed(0)} | ${size} |`
  );
}
