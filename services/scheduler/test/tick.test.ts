import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventEnvelope, RecurringSpawnedData } from '@taskflow/contracts';
import { randomUUID } from 'node:crypto';
import {
  connect,
  deleteTask,
  findTask,
  insertProject,
  projectRole,
  seriesInstances,
  userEvents,
} from '@taskflow/db';
import { runTick, type TickOptions } from '../src/jobs/tick.ts';
import { countingOutbox, databaseForFile, insertSeries, silent } from './fixtures.ts';

const { database, outbox, url, admin } = await databaseForFile();

// 2027-01-04 is a Monday; Berlin is on CET, so 09:00 there is 08:00Z.
const START = new Date('2027-01-04T08:00:00Z');
const tick = (now: Date, options: Partial<TickOptions> = {}) =>
  runTick({ outbox, log: silent, batchSize: 500, budgetMs: 5000, clock: () => now, ...options });
const seconds = (base: Date, s: number) => new Date(base.getTime() + s * 1000);

// Each test's clock jumps around the calendar: retire the previous tests' series first, so a
// tick only finds the series its own test made.
beforeEach(async () => {
  await admin`update tasks set is_recurring = false, next_occurrence = null where is_recurring`;
});

describe('runTick', () => {
  it('spawns a due occurrence once, advances the series and appends three events', async () => {
    const series = await insertSeries(database, { start: START });
    const now = seconds(START, 0.4);
    const counting = countingOutbox(database);
    const result = await tick(now, { outbox: counting.outbox });
    expect(result).toMatchObject({ spawned: 1, replayed: 0, stopped: 0 });
    expect(counting.wakes()).toBe(1);

    const [instance, ...more] = await seriesInstances(database.db, series.id);
    expect(more).toEqual([]);
    expect(instance).toMatchObject({
      userId: series.user_id,
      title: series.title,
      description: series.description,
      dueDate: START,
      occurrenceAt: START,
      completed: false,
      isRecurring: false,
      version: 1,
    });
    const after = await findTask(database.db, series.user_id, series.id);
    expect(after).toMatchObject({ nextOccurrence: new Date('2027-01-05T08:00:00Z'), version: 2 });

    const events = (await userEvents(database.db, series.user_id)).map((e) =>
      EventEnvelope.parse(e),
    );
    expect(events.map((e) => [e.event_type, e.aggregate_id, e.aggregate_version])).toEqual([
      ['task.created', series.id, 1],
      ['task.created', instance!.id, 1],
      ['recurring.spawned', instance!.id, 1],
      ['task.updated', series.id, 2],
    ]);
    expect(RecurringSpawnedData.parse(events[2]!.data)).toMatchObject({
      series_id: series.id,
      instance_id: instance!.id,
      occurrence_at: START.toISOString(),
      next_occurrence: '2027-01-05T08:00:00.000Z',
    });
    expect(events[3]!.data).toMatchObject({ next_occurrence: '2027-01-05T08:00:00.000Z' });

    // The same second again: nothing is due any more.
    expect((await tick(seconds(START, 0.9))).claimed).toBe(0);
    expect(await seriesInstances(database.db, series.id)).toHaveLength(1);
  });

  it('leaves series that are not due, and one-off tasks, alone', async () => {
    const later = await insertSeries(database, { start: seconds(START, 3600) });
    await tick(seconds(START, 60));
    expect(await seriesInstances(database.db, later.id)).toHaveLength(0);
  });

  it('after downtime spawns only the latest missed occurrence', async () => {
    const series = await insertSeries(database, { start: START });
    // Down for five and a half days: back on the 9th at 10:00 Berlin.
    const now = new Date('2027-01-09T09:00:00Z');
    await tick(now, { clock: () => now });
    const instances = await seriesInstances(database.db, series.id);
    expect(instances.map((i) => i.occurrenceAt)).toEqual([new Date('2027-01-09T08:00:00Z')]);
    expect((await findTask(database.db, series.user_id, series.id))?.nextOccurrence).toEqual(
      new Date('2027-01-10T08:00:00Z'),
    );
  });

  it('works through a backlog in batches, one transaction each', async () => {
    const userId = `user-${crypto.randomUUID()}`;
    const start = new Date('2027-02-01T08:00:00Z');
    for (let i = 0; i < 120; i++) await insertSeries(database, { userId, start });
    const result = await tick(seconds(start, 1), { batchSize: 50 });
    expect(result).toMatchObject({ claimed: 120, spawned: 120, batches: 3 });
  });

  it('stops after its time budget; the next tick carries on', async () => {
    const userId = `user-${crypto.randomUUID()}`;
    const start = new Date('2027-02-02T08:00:00Z');
    for (let i = 0; i < 30; i++) await insertSeries(database, { userId, start });
    const first = await tick(seconds(start, 1), { batchSize: 10, budgetMs: 0.001 });
    expect(first).toMatchObject({ claimed: 10, batches: 1 });
    const rest = await tick(seconds(start, 2), { batchSize: 10 });
    expect(rest.claimed).toBe(20);
  });

  it('exactly once with four schedulers ticking at the same time', async () => {
    const userId = `user-${crypto.randomUUID()}`;
    const start = new Date('2027-03-01T08:00:00Z');
    const series = [];
    for (let i = 0; i < 300; i++) series.push(await insertSeries(database, { userId, start }));
    // Four replicas: each its own pool, small batches so that their claims interleave.
    const replicas = Array.from({ length: 4 }, () => connect(url, { max: 2 }));
    try {
      const results = await Promise.all(
        replicas.map((replica) =>
          tick(seconds(start, 1), { outbox: countingOutbox(replica).outbox, batchSize: 20 }),
        ),
      );
      expect(results.reduce((sum, r) => sum + r.spawned, 0)).toBe(300);
      expect(results.filter((r) => r.spawned > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
    const [counts] = await admin`
      select count(*)::int as instances, count(distinct series_id)::int as distinct
      from tasks where user_id = ${userId} and series_id is not null`;
    const { instances, distinct } = counts!;
    expect({ instances, distinct }).toEqual({ instances: 300, distinct: 300 });
  });

  it('a scheduler SIGKILLed mid-transaction spawns nothing; the next tick spawns everything once', async () => {
    const userId = `user-${crypto.randomUUID()}`;
    const start = new Date('2027-03-02T08:00:00Z');
    for (let i = 0; i < 50; i++) await insertSeries(database, { userId, start });
    const now = seconds(start, 1);
    // Another process claims the series and inserts their instances, then is killed.
    const victim = spawn(
      process.execPath,
      [
        '--conditions=@taskflow/source',
        fileURLToPath(new URL('./victim.ts', import.meta.url)),
        url,
        now.toISOString(),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(victim.stdout, 'data')) as [Buffer];
    expect(String(line)).toBe('claimed 50\n');
    // While it holds them, a live scheduler skips them rather than wait or spawn twice.
    expect((await tick(now)).claimed).toBe(0);
    victim.kill('SIGKILL');
    await once(victim, 'exit');

    // Postgres rolls the dead connection's transaction back and frees the rows.
    let spawned = 0;
    for (let i = 0; i < 50 && spawned < 50; i++) {
      spawned += (await tick(now)).spawned;
      if (spawned < 50) await sleep(100);
    }
    expect(spawned).toBe(50);
    const [counts] = await admin`
      select count(*)::int as instances, count(distinct series_id)::int as distinct
      from tasks where user_id = ${userId} and series_id is not null`;
    expect(counts).toEqual({ instances: 50, distinct: 50 });
  });

  it('never duplicates an occurrence that was spawned before (a replayed schedule)', async () => {
    const series = await insertSeries(database, { start: new Date('2027-04-01T07:00:00Z') });
    const now = new Date('2027-04-01T07:00:01Z');
    await tick(now);
    // Something sets the series back to an occurrence it already spawned.
    await admin`update tasks set next_occurrence = '2027-04-01T07:00:00Z' where id = ${series.id}`;
    const result = await tick(now);
    expect(result).toMatchObject({ claimed: 1, spawned: 0, replayed: 1 });
    expect(await seriesInstances(database.db, series.id)).toHaveLength(1);
    const types = (await userEvents(database.db, series.user_id)).map((e) => e.event_type);
    expect(types).toEqual([
      'task.created',
      'task.created',
      'recurring.spawned',
      'task.updated',
      'task.updated',
    ]);
  });

  it('stops a series whose stored rule can no longer be computed, and goes on with the rest', async () => {
    const userId = `user-${crypto.randomUUID()}`;
    const start = new Date('2027-05-01T07:00:00Z');
    const broken = await insertSeries(database, { userId, start });
    const fine = await insertSeries(database, { userId, start });
    await admin`update tasks set recurrence_rule = 'FREQ=MINUTELY' where id = ${broken.id}`;
    const result = await tick(seconds(start, 1));
    expect(result).toMatchObject({ spawned: 1, stopped: 1 });
    expect(await findTask(database.db, userId, broken.id)).toMatchObject({
      isRecurring: false,
      nextOccurrence: null,
    });
    expect(await seriesInstances(database.db, fine.id)).toHaveLength(1);
  });

  it('stops a series after its last occurrence (COUNT)', async () => {
    const series = await insertSeries(database, {
      start: new Date('2027-06-01T07:00:00Z'),
      rule: 'FREQ=DAILY;COUNT=2',
    });
    await tick(new Date('2027-06-01T07:00:01Z'));
    await tick(new Date('2027-06-02T07:00:01Z'));
    expect(await tick(new Date('2027-06-09T07:00:01Z'))).toMatchObject({ claimed: 0 });
    expect(await seriesInstances(database.db, series.id)).toHaveLength(2);
    expect(await findTask(database.db, series.user_id, series.id)).toMatchObject({
      isRecurring: false,
      nextOccurrence: null,
      recurrenceRule: 'FREQ=DAILY;COUNT=2',
    });
  });

  it('in completion mode spawns the first instance, then waits', async () => {
    const series = await insertSeries(database, {
      start: new Date('2027-07-01T07:00:00Z'),
      mode: 'completion',
    });
    await tick(new Date('2027-07-01T07:00:01Z'));
    expect(await findTask(database.db, series.user_id, series.id)).toMatchObject({
      isRecurring: true,
      nextOccurrence: null,
    });
    expect((await tick(new Date('2027-07-05T07:00:01Z'))).claimed).toBe(0);
    expect(await seriesInstances(database.db, series.id)).toHaveLength(1);
  });

  it('a deleted series spawns nothing more; its instances stay, unlinked', async () => {
    const series = await insertSeries(database, { start: new Date('2027-08-01T07:00:00Z') });
    await tick(new Date('2027-08-01T07:00:01Z'));
    const [instance] = await seriesInstances(database.db, series.id);
    await deleteTask(database.db, series.id);
    expect((await tick(new Date('2027-08-09T07:00:01Z'))).claimed).toBe(0);
    expect(await findTask(database.db, series.user_id, instance!.id)).toMatchObject({
      seriesId: null,
      occurrenceAt: new Date('2027-08-01T07:00:00Z'),
    });
  });

  it("skips a project's series while its project is held for a deletion or a membership change, without waiting", async () => {
    const owner = `user-${randomUUID()}`;
    const project = await insertProject(database.db, {
      id: randomUUID(),
      name: 'Home',
      createdBy: owner,
    });
    const series = await insertSeries(database, {
      start: START,
      userId: owner,
      projectId: project.id,
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const deletion = database.transaction(async (tx) => {
      await projectRole(tx, project.id, owner, 'update');
      locked();
      await held;
    });
    await isLocked;
    const now = seconds(START, 0.4);
    expect(await tick(now)).toMatchObject({ spawned: 0 });
    expect(await seriesInstances(database.db, series.id)).toEqual([]);
    release();
    await deletion;
    expect(await tick(now)).toMatchObject({ spawned: 1 });
    const [instance] = await seriesInstances(database.db, series.id);
    expect(instance!.projectId).toBe(project.id);
  });
});
