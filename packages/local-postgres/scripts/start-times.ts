// Times startLocalPostgres: the first start of a fresh folder (initdb included) and a later
// start of the same folder, each until the `taskflow` database accepts connections.
// Usage: node --conditions=@taskflow/source packages/local-postgres/scripts/start-times.ts [rounds]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres } from '../src/index.ts';

const rounds = Number(process.argv[2] ?? 5);
const first: number[] = [];
const later: number[] = [];

async function timed(dataDir: string): Promise<number> {
  const began = performance.now();
  const server = await startLocalPostgres({ dataDir });
  const ms = performance.now() - began;
  await server.stop();
  return ms;
}

for (let round = 0; round < rounds; round++) {
  const dir = await mkdtemp(join(tmpdir(), 'taskflow-start-times-'));
  try {
    first.push(await timed(join(dir, 'postgres')));
    later.push(await timed(join(dir, 'postgres')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[values.length >> 1] ?? 0;
const row = (name: string, values: number[]) =>
  `${name}: median ${Math.round(median(values))} ms, min ${Math.round(Math.min(...values))}, max ${Math.round(Math.max(...values))}`;
console.log(`${rounds} rounds, as uid ${process.getuid?.()}`);
console.log(row('first start (initdb included)', first));
console.log(row('later start', later));
