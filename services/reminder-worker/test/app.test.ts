import { describe, expect, it } from 'vitest';
import { ErrorBody } from '@taskflow/contracts';
import { taskReminders, userEvents } from '@taskflow/db';
import { expectUnavailable, withUnreachableDatabase } from '@taskflow/testkit';
import { APP_TOKEN, seedReminder, seedTask, startWorker, workerAppOver } from './worker.ts';

const worker = await startWorker();
const { app, database } = worker;

const trigger = (headers: Record<string, string> = { 'dapr-api-token': APP_TOKEN }, worker = app) =>
  // Exactly what daprd's cron binding sends: an empty body with a JSON content type.
  worker.inject({
    method: 'POST',
    url: '/reminder-tick',
    headers: { 'content-type': 'application/json', ...headers },
    payload: '',
  });

describe('the cron binding /reminder-tick', () => {
  it('fires due reminders on daprd’s empty POST and wakes the relay', async () => {
    const task = await seedTask(database);
    const reminder = await seedReminder(database, task, -1);
    const before = worker.wakes.count;
    const response = await trigger();
    expect(response.statusCode).toBe(200);
    expect((await taskReminders(database.db, task.user_id, task.id))[0]).toMatchObject({
      id: reminder.id,
      status: 'fired',
    });
    expect((await userEvents(database.db, task.user_id)).at(-1)?.event_type).toBe(
      'reminder.triggered',
    );
    expect(worker.wakes.count).toBe(before + 1);
  });

  it('answers daprd’s startup probe (OPTIONS)', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/reminder-tick',
      headers: { 'dapr-api-token': APP_TOKEN },
    });
    expect(response.statusCode).toBe(200);
  });

  it('refuses anyone but daprd, with the uniform error body', async () => {
    const task = await seedTask(database);
    await seedReminder(database, task, -1);
    for (const headers of [{}, { 'dapr-api-token': 'guess' }] as Record<string, string>[]) {
      const response = await trigger(headers);
      expect(response.statusCode).toBe(401);
      expect(ErrorBody.parse(response.json()).error.code).toBe('unauthorized');
    }
    expect((await taskReminders(database.db, task.user_id, task.id))[0]?.status).toBe('pending');
  });
});

describe('the cron binding while Postgres is out of reach', () => {
  it('answers 503 unavailable with Retry-After, not 500: the next tick retries', async () => {
    await withUnreachableDatabase(workerAppOver, async (down) =>
      expectUnavailable(await trigger(undefined, down)),
    );
  });
});

describe('health and metrics', () => {
  it('is alive, and not ready while its sidecar does not answer (named in the answer)', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', failing: ['sidecar'] });
  });

  it('counts fired, missed and cancelled reminders and their lateness', async () => {
    const open = await seedTask(database);
    const done = await seedTask(database, { completed: true });
    await seedReminder(database, open, -2);
    await seedReminder(database, open, -7200);
    await seedReminder(database, done, -1);
    await trigger();
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (name: string) =>
      Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1] ?? NaN);
    expect(value('taskflow_reminders_fired_total')).toBeGreaterThanOrEqual(1);
    expect(value('taskflow_reminders_missed_total')).toBeGreaterThanOrEqual(1);
    expect(value('taskflow_reminders_cancelled_total')).toBeGreaterThanOrEqual(1);
    expect(value('taskflow_reminder_lateness_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('taskflow_reminders_due_backlog')).toBe(0);
  });
});
