import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, type Task } from '@taskflow/contracts';
import { createOutbox } from '@taskflow/outbox';
import type { Difference } from '../src/differences.ts';
import { verifyTasks } from '../src/verify.ts';
import { testStore } from './store.ts';
import { randomWorkload } from './workload.ts';

const store = await testStore();
const SEED = Number(process.env.REPLAY_TEST_SEED ?? Date.now() % 100_000);

async function verify(options: { batchSize?: number; userId?: string } = {}) {
  const differences: Difference[] = [];
  const summary = await verifyTasks(store.database, {
    batchSize: options.batchSize ?? 5000,
    userId: options.userId,
    onDifference: (d) => differences.push(d),
  });
  return { summary, differences };
}

beforeAll(async () => {
  await randomWorkload(store.write, { seed: SEED, users: 5, operations: 400 });
}, 120_000);

describe(`replay verify after a random workload (seed ${SEED})`, () => {
  it('finds no difference, whatever the batch size', async () => {
    const [counts] = await store.sql<
      { taskEvents: number; rows: number; aggregates: number }[]
    >`select (select count(*)::int from events where event_type like 'task.%') as "taskEvents",
             (select count(*)::int from tasks) as rows,
             (select count(distinct aggregate_id)::int from events where event_type like 'task.%') as aggregates`;
    const { taskEvents, rows, aggregates } = counts!;
    for (const batchSize of [1, 7, 5000]) {
      const { summary, differences } = await verify({ batchSize });
      expect(differences, `batch size ${batchSize}`).toEqual([]);
      expect(summary).toMatchObject({
        events: taskEvents,
        tasks: aggregates,
        live: rows,
        rowsCompared: rows,
        rowsScanned: rows,
      });
    }
  });

  it('a series deleted after spawning leaves its instances with series_id null, as expected', async () => {
    const [orphaned] = await store.sql<{ n: number }[]>`
      select count(*)::int as n from tasks t
      where t.series_id is null and t.occurrence_at is not null`;
    expect(orphaned!.n).toBeGreaterThanOrEqual(2);
    expect((await verify()).differences).toEqual([]);
  });
});

describe('replay verify after corruption by hand', () => {
  it('reports exactly the corrupted rows and fields, for the user and for the whole store', async () => {
    const userId = `victim-${randomUUID()}`;
    const retitled = await store.write.create(userId, { title: 'Buy milk' });
    const moved = await store.write.create(userId, { due_date: '2030-05-01T09:00:00.000Z' });
    const lost = await store.write.create(userId);
    const revived = await store.write.create(userId);
    await store.write.remove(userId, revived.id);
    const gapped = await store.write.create(userId);
    const stranger = randomUUID();

    await store.sql`update tasks set title = 'Buy beer' where id = ${retitled.id}`;
    await store.sql`update tasks set due_date = due_date + interval '1 second' where id = ${moved.id}`;
    await store.sql`delete from tasks where id = ${lost.id}`;
    await store.sql`insert into tasks (id, user_id, title) values (${revived.id}, ${userId}, 'back')`;
    await store.sql`insert into tasks (id, user_id, title) values (${stranger}, ${userId}, 'nobody wrote me')`;
    // An event that skips versions 2 to 4: the history is broken even though it folds.
    const skipped: Task = { ...gapped, version: 5 };
    const outbox = createOutbox({ database: store.database, relay: { notify: () => {} } });
    await outbox.commit(async (_tx, emit) =>
      emit(makeEvent('task.updated', skipped, skipped, { userId, correlationId: 'by-hand' })),
    );

    const expected = [
      {
        kind: 'field',
        taskId: retitled.id,
        field: 'title',
        expected: 'Buy milk',
        actual: 'Buy beer',
      },
      {
        kind: 'field',
        taskId: moved.id,
        field: 'due_date',
        expected: '2030-05-01T09:00:00.000Z',
        actual: '2030-05-01T09:00:01.000Z',
      },
      { kind: 'missing', taskId: lost.id, version: 1 },
      { kind: 'deleted', taskId: revived.id, version: 2, rowVersion: 1 },
      { kind: 'unknown', taskId: stranger, rowVersion: 1 },
      { kind: 'history', taskId: gapped.id, message: 'version 5 follows version 1' },
      { kind: 'field', taskId: gapped.id, field: 'version', expected: 5, actual: 1 },
    ].map((d) => expect.objectContaining({ ...d, userId }));

    for (const scope of [{ userId }, {}]) {
      for (const batchSize of [2, 5000]) {
        const { differences, summary } = await verify({ ...scope, batchSize });
        expect(differences).toEqual(expect.arrayContaining(expected));
        expect(differences).toHaveLength(expected.length);
        expect(summary.differences).toEqual({
          field: 3,
          missing: 1,
          deleted: 1,
          unknown: 1,
          history: 1,
        });
      }
    }
    // Another user's verify sees none of it.
    expect((await verify({ userId: 'user-nobody' })).differences).toEqual([]);
  });
});
