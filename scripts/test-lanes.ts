// `pnpm test` without arguments: every vitest project, in lanes that run side by side.
//
// Why lanes and not one vitest run: the end-to-end projects run their files one at a time
// (fileParallelism: false, they kill their broker on purpose), and vitest runs the projects of
// one group in one pool of that size, so one vitest run is strictly one file at a time. A file
// mostly waits (on fleets starting, on timers), so two lanes share two cores well: with a third
// broker suite added, `.ci/run` took 1,288 s against 1,413-1,487 s for two suites in one run.
// Lanes are cut along what the projects share: every project that uses the shared local Kafka
// (integration's Kafka tests; e2e-kafka and e2e-standalone-kafka kill it) is in one lane, in
// order; the other lane's brokers are each fleet's own Redis and the shared RabbitMQ and NATS
// (only e2e-rabbitmq and e2e-jetstream use them), and it also runs the in-process bus's suite,
// which needs no broker, where it evens the lanes out (the Kafka lane took 1,285 s against
// 1,038 s with it on the Kafka side). The chaos soak runs last and alone: it loads the machine on purpose. Every project
// of vitest.config.ts must be in a lane here; a run refuses to start otherwise.
//
// With arguments (`pnpm test --project unit`, a file) it is plain `vitest run`.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

/** Each lane's projects, run in this order by one vitest process (their groupOrder). */
const LANES: string[][] = [
  ['unit', 'integration', 'e2e-kafka', 'e2e-standalone-kafka'],
  ['e2e-redis', 'e2e-rabbitmq', 'e2e-jetstream', 'e2e-standalone', 'browser'],
];
const LAST: string[] = ['chaos'];

interface LaneResult {
  name: string;
  code: number;
  passed: number;
  failed: number;
  seconds: number;
}

const vitest = join(import.meta.dirname, '..', 'node_modules', '.bin', 'vitest');
const logs = mkdtempSync(join(tmpdir(), 'taskflow-test-lanes-'));

/** Runs `vitest run ARGS`, its output prefixed with the lane's name and kept in a file too. */
function runLane(name: string, args: string[]): Promise<LaneResult> {
  const started = Date.now();
  const file = join(logs, `${name}.log`);
  const log = createWriteStream(file);
  const child = spawn(vitest, ['run', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const relay = (chunk: Buffer, out: NodeJS.WriteStream) => {
    log.write(chunk);
    const text = tail + chunk.toString();
    const lines = text.split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  };
  child.stdout.on('data', (chunk: Buffer) => relay(chunk, process.stdout));
  child.stderr.on('data', (chunk: Buffer) => relay(chunk, process.stderr));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (tail) process.stdout.write(`[${name}] ${tail}\n`);
      log.end();
      resolve({ name, code: code ?? 1, ...counts(file), seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** The `N passed, N failed` line that scripts/vitest-summary.ts ends each run with. */
function counts(file: string): { passed: number; failed: number } {
  const text = stripVTControlCharacters(readFileSync(file, 'utf8'));
  const match = [...text.matchAll(/^(\d+) passed, (\d+) failed/gm)].at(-1);
  // No summary line: vitest stopped before reporting (a config error); count it as a failure.
  return match ? { passed: Number(match[1]), failed: Number(match[2]) } : { passed: 0, failed: 1 };
}

const projects = (names: string[]) => names.flatMap((project) => ['--project', project]);

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length > 0) {
    const plain = spawn(vitest, ['run', ...args], { stdio: 'inherit' });
    return new Promise((resolve) => plain.on('close', (code) => resolve(code ?? 1)));
  }
  const configured = (await import('../vitest.config.ts')).default.test?.projects ?? [];
  const names = configured.map((project) => (project as { test?: { name?: string } }).test?.name);
  const missing = names.filter((name) => !LANES.flat().includes(name!) && !LAST.includes(name!));
  if (missing.length > 0) {
    process.stderr.write(`test-lanes: projects in no lane: ${missing.join(', ')}\n`);
    return 1;
  }
  const results = await Promise.all(
    LANES.map((lane, index) => runLane(`lane-${index + 1}`, projects(lane))),
  );
  results.push(await runLane('last', projects(LAST)));

  process.stdout.write('\nlanes (each runs its projects in order; lanes 1 and 2 side by side):\n');
  const all = [...LANES, LAST];
  results.forEach((result, index) => {
    process.stdout.write(
      `  ${result.name.padEnd(7)} ${result.seconds.toFixed(0).padStart(5)} s  ${result.passed} passed, ${result.failed} failed  (${all[index]!.join(', ')}; log ${join(logs, `${result.name}.log`)})\n`,
    );
  });
  const passed = results.reduce((sum, result) => sum + result.passed, 0);
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  return results.every((result) => result.code === 0) && failed === 0 ? 0 : 1;
}

process.exitCode = await main();
