import { describe, expect, it } from 'vitest';
import { Task } from '@taskflow/contracts';
import { userEvents } from '@taskflow/db';
import { startApi } from './api.ts';

const api = await startApi();

async function newTask() {
  const user = await api.newUser();
  const response = await api.call('POST', `/api/${user.id}/tasks`, {
    token: user.token,
    body: { title: 'doomed' },
  });
  const task = Task.parse(response.json());
  return { user, task, url: `/api/${user.id}/tasks/${task.id}` };
}

describe('DELETE /api/:user_id/tasks/:id', () => {
  it('deletes the task and appends task.deleted with the last state and the next version', async () => {
    const { user, task, url } = await newTask();
    const response = await api.call('DELETE', url, { token: user.token });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect((await api.call('GET', url, { token: user.token })).statusCode).toBe(404);
    const events = await userEvents(api.database.db, user.id);
    expect(events.at(-1)).toMatchObject({
      event_type: 'task.deleted',
      aggregate_id: task.id,
      aggregate_version: 2,
      data: { id: task.id, title: 'doomed', version: 2 },
    });
  });

  it('answers 404 the second time', async () => {
    const { user, url } = await newTask();
    await api.call('DELETE', url, { token: user.token });
    expect((await api.call('DELETE', url, { token: user.token })).statusCode).toBe(404);
  });

  it('honours If-Match', async () => {
    const { user, url } = await newTask();
    expect(
      (await api.call('DELETE', url, { token: user.token, headers: { 'if-match': '"7"' } }))
        .statusCode,
    ).toBe(412);
    expect(
      (await api.call('DELETE', url, { token: user.token, headers: { 'if-match': '"1"' } }))
        .statusCode,
    ).toBe(204);
  });

  it("never deletes another user's task", async () => {
    const { user, task, url } = await newTask();
    const mallory = await api.newUser();
    expect(
      (await api.call('DELETE', `/api/${mallory.id}/tasks/${task.id}`, { token: mallory.token }))
        .statusCode,
    ).toBe(404);
    expect((await api.call('DELETE', url, { token: mallory.token })).statusCode).toBe(403);
    expect((await api.call('DELETE', url)).statusCode).toBe(401);
    expect((await api.call('GET', url, { token: user.token })).statusCode).toBe(200);
  });
});
