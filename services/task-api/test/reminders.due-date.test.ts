import { describe, expect, it } from 'vitest';
import { reconcileTaskReminders } from '@taskflow/db';
import { startApi } from './api.ts';
import {
  inMinutes,
  minus,
  newTask,
  pastReminder,
  reminderOf,
  remindersOf,
  workerTick,
  type User,
} from './reminder-fixtures.ts';

const api = await startApi();

const setDue = (user: User, taskId: string, due_date: string | null, headers = {}) =>
  api.call('PUT', `/api/${user.id}/tasks/${taskId}/due-date`, {
    token: user.token,
    body: { due_date },
    headers,
  });

const times = async (user: User, taskId: string) =>
  Object.fromEntries(
    (await remindersOf(api, user, taskId)).map((r) => [r.id, [r.remind_at, r.status]]),
  );

describe('a due-date change moves the relative reminders, in the same transaction', () => {
  it('PUT due-date moves relative reminders; absolute ones stay', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const relative = await reminderOf(api, user, task.id, { minutes_before: 15 });
    const absolute = await reminderOf(api, user, task.id, { remind_at: inMinutes(60) });
    const due = inMinutes(24 * 60);
    expect((await setDue(user, task.id, due)).statusCode).toBe(200);
    expect(await times(user, task.id)).toEqual({
      [relative.id]: [minus(due, 15), 'pending'],
      [absolute.id]: [absolute.remind_at, 'pending'],
    });
    const [moved] = await remindersOf(api, user, task.id).then((list) =>
      list.filter((r) => r.id === relative.id),
    );
    expect(moved).toMatchObject({ minutes_before: 15, created_at: relative.created_at });
  });

  it('so do PATCH and PUT of the whole task when they change the due date, and only then', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const relative = await reminderOf(api, user, task.id, { minutes_before: 30 });
    const url = `/api/${user.id}/tasks/${task.id}`;
    await api.call('PATCH', url, { token: user.token, body: { title: 'renamed' } });
    expect((await times(user, task.id))[relative.id]).toEqual([relative.remind_at, 'pending']);
    const patched = inMinutes(300);
    await api.call('PATCH', url, { token: user.token, body: { due_date: patched } });
    expect((await times(user, task.id))[relative.id]).toEqual([minus(patched, 30), 'pending']);
    const replaced = inMinutes(600);
    await api.call('PUT', url, { token: user.token, body: { title: 't', due_date: replaced } });
    expect((await times(user, task.id))[relative.id]).toEqual([minus(replaced, 30), 'pending']);
  });

  it('shifting by the gap between two offsets does not trip the unique (task, time) check', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const ten = await reminderOf(api, user, task.id, { minutes_before: 10 });
    const twenty = await reminderOf(api, user, task.id, { minutes_before: 20 });
    // +10 minutes: the 20-minutes-before reminder lands where the 10-minutes-before one was.
    const due = new Date(new Date(task.due_date!).getTime() + 10 * 60_000).toISOString();
    expect((await setDue(user, task.id, due)).statusCode).toBe(200);
    expect(await times(user, task.id)).toEqual({
      [ten.id]: [minus(due, 10), 'pending'],
      [twenty.id]: [minus(due, 20), 'pending'],
    });
  });

  it('merges a moved reminder into one that already rings at its new instant', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const relative = await reminderOf(api, user, task.id, { minutes_before: 15 });
    const absolute = await reminderOf(api, user, task.id, { remind_at: inMinutes(45) });
    const due = new Date(new Date(absolute.remind_at).getTime() + 15 * 60_000).toISOString();
    expect((await setDue(user, task.id, due)).statusCode).toBe(200);
    expect(await times(user, task.id)).toEqual({
      [absolute.id]: [absolute.remind_at, 'pending'],
    });
    expect(relative.id).not.toBe(absolute.id);
  });

  it('leaves fired and missed reminders where they were: they are history', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const fired = await pastReminder(api, user, task.id, 2, 3600);
    const missed = await pastReminder(api, user, task.id, 7200, 60);
    await workerTick(api);
    const before = await times(user, task.id);
    expect(before[fired.id]?.[1]).toBe('fired');
    expect(before[missed.id]?.[1]).toBe('missed');
    await setDue(user, task.id, inMinutes(900));
    await setDue(user, task.id, null);
    expect(await times(user, task.id)).toEqual(before);
  });

  it('moves the reminders of a completed task too, so that a reopen re-arms them in step', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const relative = await reminderOf(api, user, task.id, { minutes_before: 5 });
    await api.call('PATCH', `/api/${user.id}/tasks/${task.id}/complete`, { token: user.token });
    await reconcileTaskReminders(api.database.db, task.id);
    const due = inMinutes(400);
    await setDue(user, task.id, due);
    expect((await times(user, task.id))[relative.id]).toEqual([minus(due, 5), 'cancelled']);
    await api.call('PATCH', `/api/${user.id}/tasks/${task.id}/complete`, {
      token: user.token,
      body: { completed: false },
    });
    await reconcileTaskReminders(api.database.db, task.id);
    expect((await times(user, task.id))[relative.id]).toEqual([minus(due, 5), 'pending']);
  });

  it('a due date moved so far back that a reminder lies in the past leaves it due: the worker fires it', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const relative = await reminderOf(api, user, task.id, { minutes_before: 30 });
    const due = inMinutes(10);
    await setDue(user, task.id, due);
    expect((await times(user, task.id))[relative.id]).toEqual([minus(due, 30), 'pending']);
    await workerTick(api);
    expect((await times(user, task.id))[relative.id]).toEqual([minus(due, 30), 'fired']);
  });

  it('a cleared due date deletes the relative reminders; absolute ones stay', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    await reminderOf(api, user, task.id, { minutes_before: 15 });
    const absolute = await reminderOf(api, user, task.id, { remind_at: inMinutes(60) });
    expect((await setDue(user, task.id, null)).statusCode).toBe(200);
    expect(await remindersOf(api, user, task.id)).toEqual([absolute]);
  });

  it('a refused change (If-Match: stale version) moves nothing', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const relative = await reminderOf(api, user, task.id, { minutes_before: 15 });
    const response = await setDue(user, task.id, inMinutes(900), { 'if-match': '"9"' });
    expect(response.statusCode).toBe(412);
    expect(await remindersOf(api, user, task.id)).toEqual([relative]);
  });

  it("another user cannot move someone's reminders: 404 under their own path, 403 under the owner's", async () => {
    const [alice, mallory] = [await api.newUser(), await api.newUser()];
    const task = await newTask(api, alice);
    const relative = await reminderOf(api, alice, task.id, { minutes_before: 15 });
    expect((await setDue(mallory, task.id, inMinutes(900))).statusCode).toBe(404);
    const theirs = await api.call('PUT', `/api/${alice.id}/tasks/${task.id}/due-date`, {
      token: mallory.token,
      body: { due_date: inMinutes(900) },
    });
    expect(theirs.statusCode).toBe(403);
    expect(await remindersOf(api, alice, task.id)).toEqual([relative]);
  });
});
