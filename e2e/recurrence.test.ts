import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelope, RecurringTaskList, Task } from '@taskflow/contracts';
import { connect, seriesInstances, userEvents } from '@taskflow/db';
import { newUser, openSocket, printLogsOnFailure, eventually } from './harness.ts';
import {
  DAY,
  MINUTE,
  arrivedAt,
  completionSeries,
  createSeries,
  isSpawnOf,
  metric,
  minuteOf,
  nextOccurrenceAfter,
  recurrenceFleet,
  waitUntilSpawnsDeliver,
} from './recurrence-harness.ts';

const fleet = await recurrenceFleet({ 'task-api': 1, 'ws-notifier': 1, scheduler: 2 });
const database = connect(fleet.database.url, { max: 2 });
// Only for what a test must do behind the API's back: replay an event, move a clock.
const admin = postgres(fleet.database.url, { max: 1, onnotice: () => {} });
afterAll(async () => {
  await admin.end();
  await database.close();
});
beforeAll(() => waitUntilSpawnsDeliver(fleet), 150_000);

// Distinct: without Dapr, replicas of several services may be one process.
const schedulers = () => [...new Set(fleet.replicas.scheduler.map((replica) => replica.url))];
const spawnedTotal = async () => {
  const counts = await Promise.all(
    schedulers().map((url) => metric(url, 'taskflow_scheduler_spawned_total')),
  );
  return counts.reduce((sum, n) => sum + n, 0);
};

describe(`recurring tasks, end to end (${fleet.broker})`, () => {
  it('two scheduler replicas over 30 occurrences spawn exactly 30 instances', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const before = await spawnedTotal();
    // 30 series, each with one occurrence already due (its start, 1 to 30 minutes ago), made
    // at once: both replicas' ticks race for them, five per transaction.
    const now = minuteOf(Date.now());
    const series = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        createSeries(user, `series #${i}`, {
          rule: 'FREQ=DAILY',
          time_zone: 'Europe/Berlin',
          start: new Date(now - (i + 1) * MINUTE).toISOString(),
        }),
      ),
    );
    await Promise.all(series.map((s) => socket.waitFor(isSpawnOf(s.id), 20_000)));
    await sleep(3000); // more ticks on both replicas: nothing more may spawn

    for (const s of series) {
      const instances = await seriesInstances(database.db, s.id);
      expect(instances.map((i) => i.occurrenceAt?.toISOString())).toEqual([s.series_start]);
    }
    const spawned = (await userEvents(database.db, user.id)).filter(
      (e) => e.event_type === 'recurring.spawned',
    );
    expect(spawned).toHaveLength(30);
    const shown = new Set(
      socket.messages
        .filter((m) => m.message.type === 'recurring.spawned')
        .map((m) => m.message.event_id),
    );
    expect(shown.size).toBe(30);
    expect((await spawnedTotal()) - before).toBe(30);
    const { json } = await user.call('GET', '/tasks/recurring?limit=100');
    const list = RecurringTaskList.parse(json);
    expect(list.items).toHaveLength(30);
    for (const item of list.items) {
      expect(Date.parse(item.next_occurrence!)).toBe(Date.parse(item.series_start!) + DAY);
    }
    socket.close();
  }, 90_000);

  it('completion mode: the next instance comes after the completion, not before', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const { series, first } = await completionSeries(user, socket);

    // Not before: while the instance is open, ticks come and go and nothing is scheduled.
    await sleep(3000);
    expect(await seriesInstances(database.db, series.id)).toHaveLength(1);
    const waiting = Task.parse((await user.call('GET', `/tasks/${series.id}`)).json);
    expect(waiting.next_occurrence).toBeNull();
    const listed = RecurringTaskList.parse((await user.call('GET', '/tasks/recurring')).json);
    expect(listed.items[0]?.series_status).toBe('awaiting_completion');

    // Completing it schedules the next occurrence from the completion time.
    const { json } = await user.call('PATCH', `/tasks/${first.message.data.id}/complete`);
    const done = Task.parse(json);
    const expected = nextOccurrenceAfter(series, done.completed_at!);
    const update = await socket.waitFor(
      (m) =>
        m.type === 'task.updated' && m.data.id === series.id && m.data.next_occurrence === expected,
      60_000,
    );
    expect(update.message.correlation_id).toBe(
      (await userEvents(database.db, user.id)).find((e) => e.event_type === 'task.completed')
        ?.correlation_id,
    );
    const scheduled = Task.parse((await user.call('GET', `/tasks/${series.id}`)).json);
    expect(scheduled.next_occurrence).toBe(expected);

    // The completion delivered again (the outbox publishes it a second time): no double advance.
    const ignoredBefore = await Promise.all(
      schedulers().map((url) =>
        metric(url, 'taskflow_scheduler_completions_total', 'outcome="ignored"'),
      ),
    );
    await admin`update events set published_at = null
      where event_type = 'task.completed' and aggregate_id = ${done.id}`;
    await eventually(
      async () =>
        (
          await Promise.all(
            schedulers().map((url) =>
              metric(url, 'taskflow_scheduler_completions_total', 'outcome="ignored"'),
            ),
          )
        ).reduce((sum, n) => sum + n, 0),
      (ignored) => ignored > ignoredBefore.reduce((sum, n) => sum + n, 0),
    );
    expect(Task.parse((await user.call('GET', `/tasks/${series.id}`)).json)).toEqual(scheduled);

    // Two days on, the occurrence falls due: the scheduler spawns it. (The clock cannot be moved,
    // so the series' next occurrence is moved to now: the same row the scheduler would find.)
    const dueNow = new Date(Date.now() - 500);
    await admin`update tasks set next_occurrence = ${dueNow} where id = ${series.id}`;
    await eventually(
      () => seriesInstances(database.db, series.id),
      (instances) => instances.length === 2,
    );
    const instances = await seriesInstances(database.db, series.id);
    expect(instances[1]?.occurrenceAt?.getTime()).toBe(dueNow.getTime());
    expect(
      Task.parse((await user.call('GET', `/tasks/${series.id}`)).json).next_occurrence,
    ).toBeNull();
    socket.close();
  }, 120_000);

  it('a series due 2 s from now reaches its user’s socket within 1.5 s after the occurrence', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    // Starts are kept to the minute: wait for the moment 2 s before the next whole minute.
    const occurrence = minuteOf(Date.now() + 2500) + MINUTE;
    await sleep(occurrence - 2000 - Date.now());
    const series = await createSeries(user, 'Standup', {
      rule: 'FREQ=DAILY',
      time_zone: 'Europe/Berlin',
      start: new Date(occurrence).toISOString(),
    });
    expect(Date.parse(series.next_occurrence!)).toBe(occurrence);
    expect(occurrence - Date.now()).toBeGreaterThan(1000);

    const { message, receivedAt } = await socket.waitFor(isSpawnOf(series.id), 10_000);
    const lateness = arrivedAt(receivedAt) - occurrence;
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1500);
    expect(message).toMatchObject({
      type: 'recurring.spawned',
      data: {
        title: 'Standup',
        completed: false,
        due_date: new Date(occurrence).toISOString(),
        series_id: series.id,
        occurrence_at: new Date(occurrence).toISOString(),
      },
    });
    // The instance's own task.created came too, and the series moved on by a day.
    await socket.waitFor((m) => m.type === 'task.created' && m.data.id === message.data.id, 5000);
    const after = await socket.waitFor(
      (m) => m.type === 'task.updated' && m.data.id === series.id,
      5000,
    );
    expect(after.message.data.next_occurrence).toBe(new Date(occurrence + DAY).toISOString());
    const stored = (await userEvents(database.db, user.id)).find(
      (e) => e.event_type === 'recurring.spawned',
    );
    expect(EventEnvelope.parse(stored).event_id).toBe(message.event_id);
    console.log(
      `[${fleet.broker}] spawn reached the socket ${Math.round(lateness)} ms after the occurrence`,
    );
    socket.close();
  }, 120_000);
});
