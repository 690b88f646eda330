import { describe, expect, it } from 'vitest';
import { makeEvent, type EventType, type Task } from '@taskflow/contracts';
import { deleteTask, findTask, taskReminders, toTask } from '@taskflow/db';
import { APP_TOKEN, seedReminder, seedTask, setCompleted, startWorker } from './worker.ts';

const worker = await startWorker();
const { database } = worker;

/** Delivers one event to /events/tasks as daprd does: a CloudEvent, with daprd's token. */
async function deliver(event: unknown) {
  const response = await worker.app.inject({
    method: 'POST',
    url: '/events/tasks',
    headers: { 'content-type': 'application/cloudevents+json', 'dapr-api-token': APP_TOKEN },
    payload: JSON.stringify({
      id: crypto.randomUUID(),
      source: 'task-api',
      type: 'com.dapr.event.sent',
      specversion: '1.0',
      datacontenttype: 'application/json',
      topic: 'tasks.events',
      pubsubname: 'taskflow-pubsub',
      data: event,
    }),
  });
  return { code: response.statusCode, status: response.json().status as string };
}

async function eventOf(type: EventType, task: Task) {
  const row = await findTask(database.db, task.user_id, task.id);
  const now = row ? toTask(row) : task;
  return makeEvent(type, now, now, { userId: task.user_id, correlationId: 'test' });
}

const statuses = async (task: Task) =>
  Object.fromEntries(
    (await taskReminders(database.db, task.user_id, task.id)).map((r) => [r.id, r.status]),
  );

describe('tasks.events: reminders follow their task', () => {
  it('task.completed cancels the pending reminders, due or not; fired ones stay fired', async () => {
    const task = await seedTask(database);
    const soon = await seedReminder(database, task, 60);
    const later = await seedReminder(database, task, 3600);
    await setCompleted(database, task.id, true);
    expect(await deliver(await eventOf('task.completed', task))).toEqual({
      code: 200,
      status: 'SUCCESS',
    });
    expect(await statuses(task)).toEqual({ [soon.id]: 'cancelled', [later.id]: 'cancelled' });
    const [row] = await taskReminders(database.db, task.user_id, task.id);
    expect(row?.settledAt).toBeInstanceOf(Date);
  });

  it('is idempotent: the same event again, or a duplicate, changes nothing', async () => {
    const task = await seedTask(database);
    await seedReminder(database, task, 60);
    await setCompleted(database, task.id, true);
    const event = await eventOf('task.completed', task);
    await deliver(event);
    const once = await taskReminders(database.db, task.user_id, task.id);
    expect(await deliver(event)).toMatchObject({ status: 'SUCCESS' });
    expect(await deliver(event)).toMatchObject({ status: 'SUCCESS' });
    expect(await taskReminders(database.db, task.user_id, task.id)).toEqual(once);
  });

  it('a reopened task (task.updated, completed false) re-arms the cancelled reminders still ahead', async () => {
    const task = await seedTask(database);
    const ahead = await seedReminder(database, task, 3600);
    const gone = await seedReminder(database, task, 2);
    await setCompleted(database, task.id, true);
    await deliver(await eventOf('task.completed', task));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await setCompleted(database, task.id, false);
    await deliver(await eventOf('task.updated', task));
    // The one whose time passed while the task was done stays cancelled: it would only ring late.
    expect(await statuses(task)).toEqual({ [ahead.id]: 'pending', [gone.id]: 'cancelled' });
    const rearmed = (await taskReminders(database.db, task.user_id, task.id)).find(
      (r) => r.id === ahead.id,
    );
    expect(rearmed).toMatchObject({ notified: false, settledAt: null });
  });

  it('acts on the task as it is now, so late or reordered deliveries cannot undo a newer state', async () => {
    const task = await seedTask(database);
    const reminder = await seedReminder(database, task, 3600);
    const completed = await eventOf('task.completed', { ...task });
    // Completed, then reopened, before the worker hears of either; the events arrive reversed.
    await setCompleted(database, task.id, true);
    await setCompleted(database, task.id, false);
    await deliver(await eventOf('task.updated', task));
    await deliver(completed);
    expect(await statuses(task)).toEqual({ [reminder.id]: 'pending' });
  });

  it('task.deleted is harmless: the reminders went with the task', async () => {
    const task = await seedTask(database);
    await seedReminder(database, task, 60);
    const event = await eventOf('task.deleted', task);
    await deleteTask(database.db, task.id);
    expect(await statuses(task)).toEqual({});
    expect(await deliver(event)).toEqual({ code: 200, status: 'SUCCESS' });
    expect(await deliver(event)).toEqual({ code: 200, status: 'SUCCESS' });
  });

  it('acknowledges events it has no business with, known or not', async () => {
    const task = await seedTask(database);
    const reminder = await seedReminder(database, task, 60);
    expect(await deliver(await eventOf('task.created', task))).toMatchObject({
      status: 'SUCCESS',
    });
    const future = { ...(await eventOf('task.created', task)), event_type: 'series.paused' };
    expect(await deliver(future)).toMatchObject({ status: 'SUCCESS' });
    expect(await statuses(task)).toEqual({ [reminder.id]: 'pending' });
  });

  it('drops a task event without a task id, and does not lose an unreadable one', async () => {
    const task = await seedTask(database);
    const event = { ...(await eventOf('task.completed', task)), aggregate_id: 'not-a-task' };
    expect(await deliver(event)).toMatchObject({ status: 'DROP' });
    // No event_id: it goes to the dead-letter topic through the sidecar. There is none here, so
    // it is retried (and reaches the dead-letter topic once the sidecar is back), never lost.
    expect(await deliver({ event_type: 'task.completed' })).toMatchObject({ status: 'RETRY' });
  });

  it('admits only daprd', async () => {
    const response = await worker.app.inject({
      method: 'POST',
      url: '/events/tasks',
      headers: { 'content-type': 'application/cloudevents+json' },
      payload: JSON.stringify({ id: '1', data: {} }),
    });
    expect(response.statusCode).toBe(401);
  });
});
