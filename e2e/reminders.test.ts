import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelope, Reminder } from '@taskflow/contracts';
import { connect } from '@taskflow/db';
import { fleetForFile, newUser, openSocket, printLogsOnFailure, eventually } from './harness.ts';
import {
  addReminder,
  arrivedAt,
  isReminder,
  secondAfter,
  shownReminders,
  taskWithReminder,
  triggeredEvents,
  waitUntilRemindersDeliver,
} from './reminders-harness.ts';

const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1, 'reminder-worker': 2 });
const database = connect(fleet.database.url, { max: 2 });
afterAll(() => database.close());
beforeAll(() => waitUntilRemindersDeliver(fleet), 120_000);

describe(`reminders, end to end (${fleet.broker})`, () => {
  it('a reminder 2 s ahead reaches its user’s socket within 1.5 s after its time, never before', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const remindAt = new Date(Date.now() + 2000);
    const { task, reminder } = await taskWithReminder(user, remindAt, 'Call mum');

    const { message, receivedAt } = await socket.waitFor(isReminder(reminder.id), 10_000);
    const lateness = arrivedAt(receivedAt) - remindAt.getTime();
    console.info(
      `one reminder (${fleet.broker}): on the socket ${Math.round(lateness)} ms after its time`,
    );
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1500);
    // The seed's WebSocket message: type `reminder`, the task as data, plus the reminder.
    expect(message).toMatchObject({
      type: 'reminder',
      data: {
        id: task.id,
        title: 'Call mum',
        completed: false,
        due_date: task.due_date,
        reminder_id: reminder.id,
        remind_at: reminder.remind_at,
        late: false,
      },
    });
    const [event, ...more] = await triggeredEvents(database, user.id);
    expect(more).toEqual([]);
    expect(EventEnvelope.parse(event)).toMatchObject({
      event_id: message.event_id,
      aggregate_id: reminder.id,
    });
    const { json } = await user.call('GET', `/tasks/${task.id}/reminders/${reminder.id}`);
    expect(Reminder.parse(json)).toMatchObject({ status: 'fired', late: false });
    socket.close();
  });

  it('a completed task’s reminder never fires; an open task’s, due with it, does', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const remindAt = new Date(Date.now() + 2000);
    const done = await taskWithReminder(user, remindAt, 'done already');
    const open = await taskWithReminder(user, remindAt, 'still open');
    expect((await user.call('PATCH', `/tasks/${done.task.id}/complete`)).status).toBe(200);

    await socket.waitFor(isReminder(open.reminder.id), 10_000);
    // Cancelled by the worker: on task.completed, or at its time by the tick's sweep.
    const list = await eventually(
      async () => (await user.call('GET', `/tasks/${done.task.id}/reminders`)).json,
      (body) => (body.items as Reminder[])[0]?.status === 'cancelled',
    );
    expect(list.items).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // ticks come and go
    const reminded = shownReminders(socket).map(({ message }) => message.data.id);
    expect(reminded).toEqual([open.task.id]);
    const fired = (await triggeredEvents(database, user.id)).map((e) => e.data.task_id);
    expect(fired).toEqual([open.task.id]);
    socket.close();
  });

  it('two workers and 500 reminders due in the same second: exactly 500 deliveries', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const second = secondAfter(10_000); // room to create 500 reminders on a busy machine
    const tasks = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const { json } = await user.call('POST', '/tasks', { title: `crowd ${i}` });
        return json.id;
      }),
    );
    // 100 reminders on each of 5 tasks, at distinct milliseconds of one second.
    const created = await Promise.all(
      tasks.map(async (taskId, t) => {
        const ids: string[] = [];
        for (let i = 0; i < 100; i++) {
          const at = new Date(second + (t * 100 + i) * 2);
          ids.push((await addReminder(user, taskId, at)).id);
        }
        return ids;
      }),
    );
    const ids = new Set(created.flat());
    expect(ids.size).toBe(500);
    expect(Date.now()).toBeLessThan(second);

    await eventually(
      async () => shownReminders(socket).length,
      (count) => count >= 500,
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000)); // a late duplicate would show now
    const shown = shownReminders(socket);
    expect(shown).toHaveLength(500);
    expect(new Set(shown.map(({ message }) => message.data.reminder_id))).toEqual(ids);
    const events = await triggeredEvents(database, user.id);
    expect(events).toHaveLength(500);
    expect(new Set(events.map((e) => e.data.reminder_id))).toEqual(ids);

    const lateness = shown
      .map(
        ({ message, receivedAt }) =>
          arrivedAt(receivedAt) - Date.parse(message.data.remind_at as string),
      )
      .sort((a, b) => a - b);
    console.info(
      `500 reminders (${fleet.broker}): lateness p50 ${Math.round(lateness[249]!)} ms, ` +
        `p99 ${Math.round(lateness[494]!)} ms, max ${Math.round(lateness[499]!)} ms`,
    );
    socket.close();
  });
});
