import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { EventEnvelope } from '@taskflow/contracts';
import { randomUUID } from 'node:crypto';
import {
  connect,
  findTask,
  fireDueReminders,
  insertProject,
  projectRole,
  taskReminders,
  userEvents,
} from '@taskflow/db';
import { runTick } from '../src/jobs/tick.ts';
import { outboxOf, POLICY, seedReminder, seedTask, silent, startWorker } from './worker.ts';

const worker = await startWorker();
const { database } = worker;
const sql = postgres(worker.url, { max: 2, onnotice: () => {} });
afterAll(() => sql.end());

const tick = (overrides = {}) => runTick(worker.tickDeps(overrides), silent);
/** A second ago: due, and a fixed point to lay several reminders out from. */
let base = 0;
beforeEach(() => {
  base = Date.now() - 1000;
});
const triggered = async (userId: string) =>
  (await userEvents(database.db, userId)).filter((e) => e.event_type === 'reminder.triggered');

describe('a tick fires what is due, once', () => {
  it('fires a due reminder: marks it and appends reminder.triggered in the same transaction', async () => {
    const task = await seedTask(database, { dueDate: new Date(Date.now() + 60_000) });
    const due = await seedReminder(database, task, -1);
    const ahead = await seedReminder(database, task, 60);
    let wakes = 0;
    const result = await tick({ outbox: outboxOf(database, () => wakes++) });
    expect(result.fired).toBeGreaterThanOrEqual(1);
    expect(wakes).toBeGreaterThanOrEqual(1);

    const rows = await taskReminders(database.db, task.user_id, task.id);
    expect(rows.find((r) => r.id === due.id)).toMatchObject({
      status: 'fired',
      notified: true,
      late: false,
    });
    expect(rows.find((r) => r.id === due.id)?.settledAt).toBeInstanceOf(Date);
    expect(rows.find((r) => r.id === ahead.id)).toMatchObject({ status: 'pending' });

    const [event, ...more] = await triggered(task.user_id);
    expect(more).toEqual([]);
    expect(EventEnvelope.parse(event)).toMatchObject({
      aggregate_id: due.id,
      aggregate_version: 1,
      user_id: task.user_id,
      data: {
        reminder_id: due.id,
        task_id: task.id,
        title: 'Call mum',
        remind_at: due.remindAt.toISOString(),
        due_date: task.due_date,
        late: false,
      },
    });
    // The next tick finds nothing new for it.
    await tick();
    expect(await triggered(task.user_id)).toHaveLength(1);
  });

  it("never fires a completed task's reminder: it is cancelled, with no event", async () => {
    const task = await seedTask(database, { completed: true });
    const reminder = await seedReminder(database, task, -1);
    await tick();
    const [row] = await taskReminders(database.db, task.user_id, task.id);
    expect(row).toMatchObject({ id: reminder.id, status: 'cancelled', notified: true });
    expect(await triggered(task.user_id)).toEqual([]);
  });

  it(`marks late what fires more than ${POLICY.lateSeconds} s after its time; misses what is beyond the grace period`, async () => {
    const task = await seedTask(database);
    const onTime = await seedReminder(database, task, -POLICY.lateSeconds + 2);
    const late = await seedReminder(database, task, -POLICY.lateSeconds - 2);
    const lastChance = await seedReminder(database, task, -POLICY.graceSeconds + 30);
    const missed = await seedReminder(database, task, -POLICY.graceSeconds - 30);
    await tick();
    const byId = new Map(
      (await taskReminders(database.db, task.user_id, task.id)).map((r) => [r.id, r]),
    );
    expect(byId.get(onTime.id)).toMatchObject({ status: 'fired', late: false });
    expect(byId.get(late.id)).toMatchObject({ status: 'fired', late: true });
    expect(byId.get(lastChance.id)).toMatchObject({ status: 'fired', late: true });
    expect(byId.get(missed.id)).toMatchObject({ status: 'missed', notified: true, late: false });
    const events = await triggered(task.user_id);
    expect(events.map((e) => e.aggregate_id).sort()).toEqual(
      [onTime.id, late.id, lastChance.id].sort(),
    );
    expect(events.find((e) => e.aggregate_id === late.id)?.data).toMatchObject({ late: true });
  });

  it('works in bounded batches, waking the relay after each, until nothing is due', async () => {
    const task = await seedTask(database);
    for (let i = 0; i < 25; i++) await seedReminder(database, task, new Date(base - i * 10));
    let wakes = 0;
    await tick({ policy: { ...POLICY, limit: 10 }, outbox: outboxOf(database, () => wakes++) });
    expect(await triggered(task.user_id)).toHaveLength(25);
    expect(wakes).toBe(3);
  });

  it('stops claiming when its time budget is spent; the next tick goes on', async () => {
    const task = await seedTask(database);
    for (let i = 0; i < 25; i++) await seedReminder(database, task, new Date(base - i * 10));
    await tick({ policy: { ...POLICY, limit: 10 }, budgetMs: 0 });
    expect(await triggered(task.user_id)).toHaveLength(10);
    await tick({ policy: { ...POLICY, limit: 10 }, budgetMs: 0 });
    expect(await triggered(task.user_id)).toHaveLength(20);
  });
});

describe('on the dot', () => {
  it('fires what falls due within the lookahead at its time, not at the next tick', async () => {
    const task = await seedTask(database);
    const soon = await seedReminder(database, task, 0.3);
    const beyond = await seedReminder(database, task, 3);
    const started = Date.now();
    await tick({ lookaheadMs: 900 });
    expect(Date.now() - started).toBeLessThan(900);
    const rows = await taskReminders(database.db, task.user_id, task.id);
    const fired = rows.find((r) => r.id === soon.id)!;
    expect(fired.status).toBe('fired');
    const lateness = fired.settledAt!.getTime() - soon.remindAt.getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(100);
    expect(rows.find((r) => r.id === beyond.id)?.status).toBe('pending');
  });
});

describe('exactly once, whatever runs at the same time', () => {
  it('six concurrent workers fire 2,000 reminders due in the same second exactly once', async () => {
    const second = Math.floor(Date.now() / 1000) * 1000 - 1000;
    const userId = `crowd-${crypto.randomUUID()}`;
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const task = await seedTask(database, { userId });
        for (let i = 0; i < 100; i++) {
          const row = await seedReminder(database, task, new Date(second + i * 10));
          ids.push(row.id);
        }
      }),
    );
    // Separate pools, as separate processes would have.
    const pools = Array.from({ length: 6 }, () => connect(worker.url, { max: 2 }));
    try {
      await Promise.all(
        pools.map((pool) =>
          runTick(
            worker.tickDeps({
              database: pool,
              outbox: outboxOf(pool),
              policy: { ...POLICY, limit: 50 },
            }),
            silent,
          ),
        ),
      );
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
    }
    const events = await triggered(userId);
    expect(events).toHaveLength(2000);
    expect(new Set(events.map((e) => e.aggregate_id))).toEqual(new Set(ids));
  });

  it('a worker that dies mid-batch fires nothing; its reminders go to the next claim, once', async () => {
    const task = await seedTask(database);
    for (let i = 0; i < 30; i++) await seedReminder(database, task, new Date(base - i * 10));
    const doomed = connect(worker.url, { max: 1 });
    let claimed = 0;
    await expect(
      doomed.transaction(async (tx) => {
        claimed = (await fireDueReminders(tx, { ...POLICY, limit: 10 })).length;
        const [backend] = await tx.execute<{ pid: number }>('select pg_backend_pid() as pid');
        const pid = backend!.pid;
        // As a SIGKILL would: the connection dies with the transaction open.
        await sql`select pg_terminate_backend(${pid})`;
        await tx.execute('select 1');
      }),
    ).rejects.toThrow();
    // Its pool waits out a dead connection before it ends; nothing here depends on that.
    void doomed.close().catch(() => {});
    expect(claimed).toBe(10);
    const pending = (await taskReminders(database.db, task.user_id, task.id)).filter(
      (r) => r.status === 'pending',
    );
    expect(pending).toHaveLength(30);

    await tick();
    const events = await triggered(task.user_id);
    expect(events).toHaveLength(30);
    expect(new Set(events.map((e) => e.aggregate_id)).size).toBe(30);
  });

  it('skips a task that task-api holds for a change (a due-date move, a completion) until it commits', async () => {
    const task = await seedTask(database);
    await seedReminder(database, task, -1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const change = database.transaction(async (tx) => {
      await findTask(tx, task.user_id, task.id, { forUpdate: true });
      locked();
      await held;
    });
    await isLocked;
    await tick();
    expect(await triggered(task.user_id)).toEqual([]);
    release();
    await change;
    await tick();
    expect(await triggered(task.user_id)).toHaveLength(1);
  });

  it("skips a project's task while its project is held for a deletion or a membership change, without waiting", async () => {
    const owner = `user-${randomUUID()}`;
    const project = await insertProject(database.db, {
      id: randomUUID(),
      name: 'Home',
      createdBy: owner,
    });
    const task = await seedTask(database, { userId: owner, projectId: project.id });
    await seedReminder(database, task, -1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // As a project's deletion does before it deletes the tasks: the project FOR UPDATE.
    const deletion = database.transaction(async (tx) => {
      await projectRole(tx, project.id, owner, 'update');
      locked();
      await held;
    });
    await isLocked;
    // A claim that held the task and then waited for the project would wait here forever.
    await tick();
    expect(await triggered(owner)).toEqual([]);
    release();
    await deletion;
    await tick();
    expect(await triggered(owner)).toHaveLength(1);
  });
});
