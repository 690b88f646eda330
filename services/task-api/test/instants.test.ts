import { describe, expect, it } from 'vitest';
import { ErrorBody, Task, TaskList } from '@taskflow/contracts';
import { startApi } from './api.ts';

const api = await startApi();

// A create with a due date in year 25 answered 201, and from then on the task, its edits and the
// user's whole list answered 500: the instant read back from Postgres was an Invalid Date
// (packages/db test/instants.test.ts has the cause). Every instant the API takes must come back.
describe('instants far from now', () => {
  it.each([
    ['0025-01-06T06:00:00Z', '0025-01-06T06:00:00.000Z'],
    ['0075-03-01T12:00:00Z', '0075-03-01T12:00:00.000Z'],
    ['0099-12-31T23:00:00-01:00', '0100-01-01T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('a due date of %s is created, read, listed and replaced', async (sent, stored) => {
    const user = await api.newUser();
    const created = await api.call('POST', `/api/${user.id}/tasks`, {
      token: user.token,
      body: { title: 'long ago', due_date: sent },
    });
    expect(created.statusCode, created.body).toBe(201);
    const task = Task.parse(created.json());
    expect(task.due_date).toBe(stored);
    const url = `/api/${user.id}/tasks/${task.id}`;

    const read = await api.call('GET', url, { token: user.token });
    expect(read.statusCode, read.body).toBe(200);
    expect(Task.parse(read.json()).due_date).toBe(stored);
    const list = await api.call('GET', `/api/${user.id}/tasks`, { token: user.token });
    expect(list.statusCode, list.body).toBe(200);
    expect(TaskList.parse(list.json()).items.map((item) => item.due_date)).toEqual([stored]);
    const replaced = await api.call('PUT', url, {
      token: user.token,
      body: { title: 'still long ago', due_date: sent },
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(Task.parse(replaced.json()).due_date).toBe(stored);
    const filtered = await api.call(
      'GET',
      `/api/${user.id}/tasks?due_before=${encodeURIComponent(sent)}`,
      {
        token: user.token,
      },
    );
    expect(TaskList.parse(filtered.json()).items).toEqual([]);
  });

  it.each([
    ['year 0000', '0000-06-01T00:00:00Z'],
    ['before year 1 in UTC', '0001-01-01T00:30:00+01:00'],
    ['after year 9999 in UTC', '9999-12-31T23:30:00-01:00'],
  ])('refuses a due date in %s with a 400 naming it, and stores nothing', async (_name, sent) => {
    const user = await api.newUser();
    const response = await api.call('POST', `/api/${user.id}/tasks`, {
      token: user.token,
      body: { title: 'out of range', due_date: sent },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(ErrorBody.parse(response.json()).error.details?.[0]?.path).toBe('due_date');
    const list = await api.call('GET', `/api/${user.id}/tasks`, { token: user.token });
    expect(TaskList.parse(list.json()).items).toEqual([]);
  });
});
