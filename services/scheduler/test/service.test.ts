import { afterAll, describe, expect, it } from 'vitest';
import { makeEvent, type Task } from '@taskflow/contracts';
import { createDaprClient, daprMessaging } from '@taskflow/dapr';
import { findTask, seriesInstances, toTask, updateTask, type Database } from '@taskflow/db';
import { createMetricsRegistry } from '@taskflow/service-kit';
import { expectUnavailable, withUnreachableDatabase } from '@taskflow/testkit';
import { buildScheduler } from '../src/app.ts';
import { countingOutbox, databaseForFile, insertSeries, silent } from './fixtures.ts';

const { database, outbox, wakes } = await databaseForFile();
const TOKEN = 'app-token-for-tests';
// No sidecar listens on this port: the routes are driven with inject, as daprd would call them.
const schedulerOver = (database: Database, outbox = countingOutbox(database).outbox) =>
  buildScheduler({
    database,
    outbox,
    messaging: daprMessaging({
      dapr: createDaprClient({ httpPort: 1, timeoutMs: 200 }),
      appId: 'scheduler',
      pubsub: 'taskflow-pubsub',
      topicNamespace: '',
      appApiToken: TOKEN,
    }),
    logger: silent,
    registry: createMetricsRegistry('scheduler-test'),
    batchSize: 100,
    tickBudgetMs: 1000,
  });
const app = await schedulerOver(database, outbox);
afterAll(() => app.close());

const fromSidecar = { 'dapr-api-token': TOKEN };
const cronTrigger = (scheduler = app) =>
  scheduler.inject({
    method: 'POST',
    url: '/scheduler-tick',
    headers: { ...fromSidecar, 'content-type': 'application/json' },
    payload: '',
  });
const deliver = (event: unknown) =>
  app.inject({
    method: 'POST',
    url: '/events/tasks',
    headers: { ...fromSidecar, 'content-type': 'application/cloudevents+json' },
    payload: JSON.stringify({
      id: crypto.randomUUID(),
      specversion: '1.0',
      topic: 'tasks.events',
      pubsubname: 'taskflow-pubsub',
      data: event,
    }),
  });

describe('scheduler service', () => {
  it('spawns due series on the cron trigger and wakes the relay', async () => {
    const series = await insertSeries(database, { start: new Date(Date.now() - 60_000) });
    const response = await cronTrigger();
    expect(response.statusCode).toBe(200);
    expect(await seriesInstances(database.db, series.id)).toHaveLength(1);
    expect(wakes()).toBeGreaterThan(0);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/taskflow_scheduler_spawned_total\{service="scheduler-test"\} [1-9]/);
    expect(metrics).toMatch(/taskflow_scheduler_tick_duration_seconds_count/);
    expect(metrics).toMatch(/taskflow_scheduler_due_lag_seconds\{service="scheduler-test"\} 0/);
  });

  it('reports how late the most overdue series is', async () => {
    // A series due an hour ago, not yet ticked: the lag shows it.
    const series = await insertSeries(database, {
      start: new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000),
    });
    const metrics = (await app.inject('/metrics')).body;
    const lag = Number(/taskflow_scheduler_due_lag_seconds\{[^}]*\} ([\d.]+)/.exec(metrics)?.[1]);
    expect(lag).toBeGreaterThanOrEqual(3600);
    await cronTrigger();
    expect(await seriesInstances(database.db, series.id)).toHaveLength(1);
  });

  it('schedules a completion-mode series when task.completed of its instance arrives', async () => {
    const series = await insertSeries(database, {
      start: new Date(Date.now() - 3 * 86_400_000),
      mode: 'completion',
    });
    await cronTrigger();
    const [instance] = await seriesInstances(database.db, series.id);
    const done: Task = toTask(await updateTask(database.db, instance!.id, { completed: true }));
    const event = makeEvent('task.completed', done, done, {
      userId: done.user_id,
      correlationId: 'c-1',
    });
    expect((await deliver(event)).json()).toEqual({ status: 'SUCCESS' });
    const after = await findTask(database.db, series.user_id, series.id);
    expect(after?.nextOccurrence?.getTime()).toBeGreaterThan(Date.now());
    // The same event again: acknowledged, nothing changes.
    expect((await deliver(event)).json()).toEqual({ status: 'SUCCESS' });
    expect((await findTask(database.db, series.user_id, series.id))?.version).toBe(after?.version);
  });

  it('acknowledges events that are not for it', async () => {
    const task = await insertSeries(database, { start: new Date('2030-01-01T00:00:00Z') });
    const created = makeEvent('task.created', task, task, {
      userId: task.user_id,
      correlationId: 'c',
    });
    expect((await deliver(created)).json()).toEqual({ status: 'SUCCESS' });
  });

  it('answers the sidecar routes only with the app token', async () => {
    const unauthenticated = await app.inject({ method: 'POST', url: '/scheduler-tick' });
    expect(unauthenticated.statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'OPTIONS', url: '/scheduler-tick', headers: fromSidecar }))
        .statusCode,
    ).toBe(200);
  });

  it('answers a tick 503 unavailable with Retry-After, not 500, while Postgres is out of reach', async () => {
    await withUnreachableDatabase(schedulerOver, async (down) =>
      expectUnavailable(await cronTrigger(down)),
    );
  });

  it('is alive, and not ready without its sidecar', async () => {
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', failing: ['sidecar'] });
  });
});
