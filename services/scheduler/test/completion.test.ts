import { beforeEach, describe, expect, it } from 'vitest';
import { findTask, seriesInstances, updateTask, userEvents, type TaskRow } from '@taskflow/db';
import { nextAfterCompletion, parseSeries } from '@taskflow/recurrence';
import { scheduleAfterCompletion } from '../src/jobs/completion.ts';
import { runTick } from '../src/jobs/tick.ts';
import { databaseForFile, insertSeries, silent } from './fixtures.ts';

const { database, outbox, admin } = await databaseForFile();

beforeEach(async () => {
  await admin`update tasks set is_recurring = false, next_occurrence = null where is_recurring`;
});

const tick = (now: Date) =>
  runTick({ outbox, log: silent, batchSize: 500, budgetMs: 5000, clock: () => now });

const DAY = 24 * 3600 * 1000;
/** Ten days ago, to the minute: instances of a series started then are completed late. */
const TEN_DAYS_AGO = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * DAY);

/** A completion-mode series whose first instance has spawned. */
async function spawnedSeries(rule = 'FREQ=DAILY;INTERVAL=3', start = TEN_DAYS_AGO) {
  const series = await insertSeries(database, { start, rule, mode: 'completion' });
  await tick(new Date(start.getTime() + 1000));
  const [instance] = await seriesInstances(database.db, series.id);
  return { series, instance: instance! };
}

/** Completes a task as task-api does: its row, version and completed_at (now()). */
const complete = (row: TaskRow, completed = true) => updateTask(database.db, row.id, { completed });

const completion = (series: { id: string }, instance: { id: string }) => ({
  seriesId: series.id,
  instanceId: instance.id,
  correlationId: 'corr-complete',
});

describe('scheduleAfterCompletion', () => {
  it('schedules the next occurrence from the completion time, once', async () => {
    const { series, instance } = await spawnedSeries();
    const done = await complete(instance);
    const result = await scheduleAfterCompletion(outbox, completion(series, instance));
    expect(result.outcome).toBe('scheduled');

    const expected = nextAfterCompletion(
      parseSeries({
        rule: series.recurrence_rule!,
        timeZone: series.time_zone!,
        start: new Date(series.series_start!),
      }),
      done.completedAt!,
    );
    const after = await findTask(database.db, series.user_id, series.id);
    expect(after).toMatchObject({ nextOccurrence: expected, isRecurring: true, version: 3 });
    const last = (await userEvents(database.db, series.user_id)).at(-1);
    expect(last).toMatchObject({
      event_type: 'task.updated',
      aggregate_id: series.id,
      aggregate_version: 3,
      correlation_id: 'corr-complete',
    });

    // The same event again (at-least-once delivery): nothing changes.
    const replay = await scheduleAfterCompletion(outbox, completion(series, instance));
    expect(replay).toMatchObject({ outcome: 'ignored' });
    expect((await findTask(database.db, series.user_id, series.id))?.version).toBe(3);
  });

  it('counts from the occurrence when the instance is completed before it was due', async () => {
    const { series, instance } = await spawnedSeries(
      'FREQ=DAILY;INTERVAL=3',
      new Date('2027-03-01T08:00:00Z'),
    );
    await complete(instance); // now, months before 2027-03-01
    expect((await scheduleAfterCompletion(outbox, completion(series, instance))).outcome).toBe(
      'scheduled',
    );
    // Three days after the occurrence, never the occurrence itself (it has its instance).
    expect((await findTask(database.db, series.user_id, series.id))?.nextOccurrence).toEqual(
      new Date('2027-03-04T08:00:00Z'),
    );
  });

  it('ignores a replay that comes after the next instance spawned', async () => {
    const { series, instance } = await spawnedSeries();
    await complete(instance);
    await scheduleAfterCompletion(outbox, completion(series, instance));
    const scheduled = await findTask(database.db, series.user_id, series.id);
    await tick(new Date(scheduled!.nextOccurrence!.getTime() + 500));
    expect(await seriesInstances(database.db, series.id)).toHaveLength(2);

    const replay = await scheduleAfterCompletion(outbox, completion(series, instance));
    expect(replay).toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/latest/) });
    const waiting = await findTask(database.db, series.user_id, series.id);
    expect(waiting?.nextOccurrence).toBeNull();
  });

  it('many copies of the event at once advance the series once', async () => {
    const { series, instance } = await spawnedSeries();
    await complete(instance);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        scheduleAfterCompletion(outbox, completion(series, instance)),
      ),
    );
    expect(results.filter((r) => r.outcome === 'scheduled')).toHaveLength(1);
    expect((await findTask(database.db, series.user_id, series.id))?.version).toBe(3);
  });

  it('does nothing for an instance reopened before the event was handled', async () => {
    const { series, instance } = await spawnedSeries();
    const done = await complete(instance);
    await complete(done, false);
    expect(await scheduleAfterCompletion(outbox, completion(series, instance))).toMatchObject({
      outcome: 'ignored',
      reason: expect.stringMatching(/reopened/),
    });
  });

  it('does nothing for a schedule-mode series or a deleted one', async () => {
    const scheduled = await insertSeries(database, { start: new Date('2027-03-01T08:00:00Z') });
    await tick(new Date('2027-03-01T08:00:01Z'));
    const [instance] = await seriesInstances(database.db, scheduled.id);
    await complete(instance!);
    expect((await scheduleAfterCompletion(outbox, completion(scheduled, instance!))).outcome).toBe(
      'ignored',
    );
    const gone = { id: crypto.randomUUID() };
    expect((await scheduleAfterCompletion(outbox, completion(gone, instance!))).outcome).toBe(
      'ignored',
    );
  });

  it('a series set back onto a done occurrence is rescheduled by the tick, not left waiting', async () => {
    const { series, instance } = await spawnedSeries();
    const done = await complete(instance);
    // E.g. its rule was changed and its first occurrence is the one already done.
    await admin`update tasks set next_occurrence = ${instance.occurrenceAt!} where id = ${series.id}`;
    const result = await tick(new Date(instance.occurrenceAt!.getTime() + 1000));
    expect(result).toMatchObject({ claimed: 1, spawned: 0, replayed: 1 });
    const after = await findTask(database.db, series.user_id, series.id);
    expect(after?.nextOccurrence?.getTime()).toBeGreaterThan(done.completedAt!.getTime());
    expect(await seriesInstances(database.db, series.id)).toHaveLength(1);
  });

  it('ends the series when the rule has no occurrence after the completion', async () => {
    // UNTIL two days after the start: the rule goes on after the first instance, but the
    // completion, ten days later, is past its end.
    const until = new Date(TEN_DAYS_AGO.getTime() + 2 * DAY)
      .toISOString()
      .replace(/[-:]|\.\d+/g, '');
    const { series, instance } = await spawnedSeries(`FREQ=DAILY;UNTIL=${until}`);
    expect((await findTask(database.db, series.user_id, series.id))?.isRecurring).toBe(true);
    await complete(instance);
    expect((await scheduleAfterCompletion(outbox, completion(series, instance))).outcome).toBe(
      'ended',
    );
    expect(await findTask(database.db, series.user_id, series.id)).toMatchObject({
      isRecurring: false,
      nextOccurrence: null,
    });
  });
});
