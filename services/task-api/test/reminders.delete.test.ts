import { describe, expect, it } from 'vitest';
import { startApi } from './api.ts';
import {
  inMinutes,
  newTask,
  pastReminder,
  reminderOf,
  remindersOf,
  workerTick,
} from './reminder-fixtures.ts';

const api = await startApi();

const url = (userId: string, taskId: string, reminderId: string) =>
  `/api/${userId}/tasks/${taskId}/reminders/${reminderId}`;

describe('DELETE /api/:user_id/tasks/:id/reminders/:reminder_id', () => {
  it('deletes a pending reminder (it will never fire) and answers 404 the second time', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const kept = await reminderOf(api, user, task.id, { minutes_before: 5 });
    const gone = await reminderOf(api, user, task.id, { remind_at: inMinutes(3) });
    const target = url(user.id, task.id, gone.id);
    const response = await api.call('DELETE', target, { token: user.token });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect((await remindersOf(api, user, task.id)).map((r) => r.id)).toEqual([kept.id]);
    expect((await api.call('DELETE', target, { token: user.token })).statusCode).toBe(404);
    expect((await api.call('GET', target, { token: user.token })).statusCode).toBe(404);
  });

  it('deletes a fired reminder from the list too', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const fired = await pastReminder(api, user, task.id, 3);
    await workerTick(api);
    expect((await remindersOf(api, user, task.id))[0]?.status).toBe('fired');
    const response = await api.call('DELETE', url(user.id, task.id, fired.id), {
      token: user.token,
    });
    expect(response.statusCode).toBe(204);
    expect(await remindersOf(api, user, task.id)).toEqual([]);
  });

  it('404 for a reminder under another of the user’s tasks, or an unknown one; 400 for no uuid', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const other = await newTask(api, user);
    const reminder = await reminderOf(api, user, task.id, { minutes_before: 5 });
    const call = (path: string) => api.call('DELETE', path, { token: user.token });
    expect((await call(url(user.id, other.id, reminder.id))).statusCode).toBe(404);
    expect((await call(url(user.id, task.id, crypto.randomUUID()))).statusCode).toBe(404);
    expect((await call(url(user.id, task.id, 'x'))).statusCode).toBe(400);
    expect(await remindersOf(api, user, task.id)).toHaveLength(1);
  });

  it("never deletes another user's reminder: 404 under one's own path, 403 under theirs, 401 anonymously", async () => {
    const [alice, mallory] = [await api.newUser(), await api.newUser()];
    const task = await newTask(api, alice);
    const reminder = await reminderOf(api, alice, task.id, { minutes_before: 5 });
    const own = url(mallory.id, task.id, reminder.id);
    const theirs = url(alice.id, task.id, reminder.id);
    expect((await api.call('DELETE', own, { token: mallory.token })).statusCode).toBe(404);
    expect((await api.call('DELETE', theirs, { token: mallory.token })).statusCode).toBe(403);
    expect((await api.call('DELETE', theirs)).statusCode).toBe(401);
    expect(await remindersOf(api, alice, task.id)).toEqual([reminder]);
  });
});
