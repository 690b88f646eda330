import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTask, makeEvent, type EventEnvelope, type Task } from '@taskflow/contracts';
import { connect, findTask, insertTasks, userEvents, type Database, type Tx } from '@taskflow/db';
import { createTestDatabase, type TestDatabase } from '@taskflow/testkit';
import { createOutbox, type Emit, type Outbox } from '../src/unit-of-work.ts';

// The unit of work against a real Postgres. `steps` records, in order, when a transaction of the
// outbox's database has committed and when the relay was woken: the wake must come after.
let scratch: TestDatabase;
let pool: Database;
let outbox: Outbox;
let steps: string[];

beforeAll(async () => {
  scratch = await createTestDatabase();
  pool = connect(scratch.url, { max: 3, applicationName: 'unit-of-work-test' });
  const recorded: Database = {
    ...pool,
    async transaction(work) {
      const result = await pool.transaction(work);
      steps.push('committed');
      return result;
    },
  };
  outbox = createOutbox({ database: recorded, relay: { notify: () => steps.push('woken') } });
});

afterAll(async () => {
  await pool.close();
  await scratch.drop();
});

const newUser = () => `uow-${randomUUID()}`;

function created(userId: string): { task: Task; event: EventEnvelope } {
  const now = new Date();
  const task = freshTask({ id: randomUUID(), user_id: userId, title: 'Water' }, now.toISOString());
  const event = makeEvent('task.created', task, task, { userId, correlationId: 'uow', at: now });
  return { task, event };
}

/** Writes a task in the unit of work and emits its event, as a command does. */
async function writeTask(tx: Tx, emit: Emit, userId: string) {
  const { task, event } = created(userId);
  await insertTasks(tx, [task]);
  emit(event);
  return { task, event };
}

describe('outbox.commit', () => {
  it('appends the emitted events with the change, in emit order, and wakes the relay after COMMIT', async () => {
    steps = [];
    const userId = newUser();
    const { task, event } = await outbox.commit(async (tx, emit) => {
      const write = await writeTask(tx, emit, userId);
      const updated = { ...write.task, version: 2 };
      emit(makeEvent('task.updated', updated, updated, { userId, correlationId: 'uow' }));
      return write;
    });
    expect(steps).toEqual(['committed', 'woken']);
    expect(await findTask(pool.db, userId, task.id)).toBeDefined();
    const stored = await userEvents(pool.db, userId);
    expect(stored.map((e) => e.event_type)).toEqual(['task.created', 'task.updated']);
    expect(stored[0]).toEqual(event);
  });

  it('writes nothing and wakes nobody when the work throws after emitting', async () => {
    steps = [];
    const userId = newUser();
    let written: Task | undefined;
    const failing = outbox.commit(async (tx, emit) => {
      written = (await writeTask(tx, emit, userId)).task;
      throw new Error('the change is refused after its event was emitted');
    });
    await expect(failing).rejects.toThrow('refused after its event');
    expect(steps).toEqual([]);
    expect(await findTask(pool.db, userId, written!.id)).toBeUndefined();
    expect(await userEvents(pool.db, userId)).toEqual([]);
  });

  it('rolls the change back when its events cannot be appended', async () => {
    steps = [];
    const userId = newUser();
    let written: Task | undefined;
    // The same event twice breaks the unique event_id: the append, the last step, fails.
    const failing = outbox.commit(async (tx, emit) => {
      const write = await writeTask(tx, emit, userId);
      written = write.task;
      emit(write.event);
    });
    await expect(failing).rejects.toThrow();
    expect(steps).toEqual([]);
    expect(await findTask(pool.db, userId, written!.id)).toBeUndefined();
    expect(await userEvents(pool.db, userId)).toEqual([]);
  });

  it('commits a change without events and does not wake the relay', async () => {
    steps = [];
    const userId = newUser();
    const { task } = created(userId);
    await outbox.commit((tx) => insertTasks(tx, [task]));
    expect(steps).toEqual(['committed']);
    expect(await findTask(pool.db, userId, task.id)).toBeDefined();
  });

  it('refuses an emit that comes after its unit of work ended', async () => {
    let late: Emit | undefined;
    await outbox.commit(async (_tx, emit) => {
      late = emit;
    });
    expect(() => late!(created(newUser()).event)).toThrow(
      'outbox: emit() called after its unit of work ended',
    );
  });
});

describe('outbox.createTasks', () => {
  it('writes the tasks and their events in one statement, then wakes the relay once', async () => {
    steps = [];
    const userId = newUser();
    const batch = [created(userId), created(userId), created(userId)];
    await outbox.createTasks(batch);
    // No transaction of the outbox's: the statement is atomic on its own.
    expect(steps).toEqual(['woken']);
    for (const { task } of batch) expect(await findTask(pool.db, userId, task.id)).toBeDefined();
    expect(await userEvents(pool.db, userId)).toEqual(batch.map(({ event }) => event));
  });

  it('wakes nobody for an empty batch, nor for one that failed', async () => {
    steps = [];
    await outbox.createTasks([]);
    const userId = newUser();
    const twice = created(userId);
    await expect(outbox.createTasks([twice, twice])).rejects.toThrow();
    expect(steps).toEqual([]);
    expect(await userEvents(pool.db, userId)).toEqual([]);
  });
});
