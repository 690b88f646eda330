// `pnpm bench:create-cost`: the CPU of a task create (user, task and event, written exactly as
// task-api writes them) on one connection in a closed loop: the Postgres backend's (from /proc,
// that backend alone) and this process's (building the tasks, their events and the statement;
// the driver), with the wall time per create. task-api gathers creates that arrive together
// into one statement; BENCH_CREATE_BATCHES (1,4,16) are the creates per statement measured.
// Then the backend CPU per event of the outbox relay's claim-and-mark of those events, in rounds
// of BENCH_RELAY_BATCH (50). BENCH_VARIANTS, a JSON array of DDL, measures each variant on a
// fresh database after running its DDL ("" is the schema as migrated): what an index or a
// foreign key costs.
// Prints: | variant | creates per statement | backend µs | client µs | wall µs per create |
// backend µs per event claimed |
import { randomUUID } from 'node:crypto';
import { freshTask, makeEvent } from '@taskflow/contracts';
import { claimAndMarkPublished, connect } from '@taskflow/db';
// The statement itself, without the outbox around it: what it costs Postgres is measured here.
import { insertTasksWithEvents } from '@taskflow/db/event-append';
import { createTestDatabase } from '@taskflow/testkit';
import { cpuSeconds } from './measure.ts';

const variants = JSON.parse(process.env.BENCH_VARIANTS ?? '[""]') as string[];
const batches = (process.env.BENCH_CREATE_BATCHES ?? '1,4,16').split(',').map(Number);
const CREATES = Number(process.env.BENCH_CREATES ?? 10_000);
const USERS = 50;
const RELAY_BATCH = Number(process.env.BENCH_RELAY_BATCH ?? 50);

console.log(
  '| variant | creates per statement | backend µs per create | client µs per create | wall µs per create | backend µs per event claimed |',
);
console.log('|---|---|---|---|---|---|');
for (const variant of variants) {
  const scratch = await createTestDatabase();
  const database = connect(scratch.url, { max: 1, applicationName: 'bench' });
  try {
    if (variant) await database.db.execute(variant);
    const [backend] = await database.db.execute<{ pid: number }>('select pg_backend_pid() as pid');
    let sequence = 0;
    const created = () => {
      const now = new Date();
      const userId = `bench-${sequence++ % USERS}`;
      const task = {
        ...freshTask({ id: randomUUID(), user_id: userId, title: 'bench' }, now.toISOString()),
        due_date: '2030-01-01T00:00:00.000Z',
      };
      const actor = { userId, correlationId: randomUUID(), at: now };
      return { task, event: makeEvent('task.created', task, task, actor) };
    };
    for (const batch of batches) {
      const write = () =>
        insertTasksWithEvents(database.db, Array.from({ length: batch }, created));
      const statements = Math.ceil(CREATES / batch);
      for (let i = 0; i < statements / 5; i++) await write(); // warm: plans, caches, users
      const cpuBefore = cpuSeconds(backend!.pid);
      const clientBefore = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < statements; i++) await write();
      const creates = statements * batch;
      const wallUs = ((performance.now() - started) * 1000) / creates;
      const cpuUs = ((cpuSeconds(backend!.pid) - cpuBefore) * 1e6) / creates;
      const client = process.cpuUsage(clientBefore);
      const clientUs = (client.user + client.system) / creates;
      // Then the relay's side of the same events: claimed and marked in rounds of RELAY_BATCH.
      const claimBefore = cpuSeconds(backend!.pid);
      let claimed = 0;
      for (;;) {
        const count = await database.transaction(
          async (tx) => (await claimAndMarkPublished(tx, RELAY_BATCH)).length,
        );
        if (count === 0) break;
        claimed += count;
      }
      const claimUs = ((cpuSeconds(backend!.pid) - claimBefore) * 1e6) / claimed;
      console.log(
        `| ${variant || 'schema as migrated'} | ${batch} | ${cpuUs.toFixed(0)} | ${clientUs.toFixed(0)} | ${wallUs.toFixed(0)} | ${claimUs.toFixed(0)} |`,
      );
    }
  } finally {
    await database.close();
    await scratch.drop();
  }
}
