import { describe, expect, it } from 'vitest';
import { ErrorBody, Task, TaskList } from '@taskflow/contracts';
import { startApi } from './api.ts';

const api = await startApi();

async function userWithTasks(titles: Array<{ title: string; due_date?: string }>) {
  const user = await api.newUser();
  const tasks: Task[] = [];
  for (const body of titles) {
    const response = await api.call('POST', `/api/${user.id}/tasks`, { token: user.token, body });
    tasks.push(Task.parse(response.json()));
  }
  return { user, tasks };
}

describe('GET /api/:user_id/tasks/:id', () => {
  it('returns the task with its ETag', async () => {
    const { user, tasks } = await userWithTasks([{ title: 'read me' }]);
    const response = await api.call('GET', `/api/${user.id}/tasks/${tasks[0]!.id}`, {
      token: user.token,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(tasks[0]);
    expect(response.headers.etag).toBe('"1"');
  });

  it('answers 404 for an unknown id and 400 for an id that is no uuid', async () => {
    const user = await api.newUser();
    const unknown = await api.call('GET', `/api/${user.id}/tasks/${crypto.randomUUID()}`, {
      token: user.token,
    });
    expect(unknown.statusCode).toBe(404);
    expect(ErrorBody.parse(unknown.json()).error.code).toBe('not_found');
    const invalid = await api.call('GET', `/api/${user.id}/tasks/42`, { token: user.token });
    expect(invalid.statusCode).toBe(400);
    expect(ErrorBody.parse(invalid.json()).error.details?.[0]).toMatchObject({
      location: 'params',
      path: 'id',
    });
  });

  it("answers 404, not 403, for another user's task: ids reveal nothing", async () => {
    const { tasks } = await userWithTasks([{ title: 'private' }]);
    const mallory = await api.newUser();
    const response = await api.call('GET', `/api/${mallory.id}/tasks/${tasks[0]!.id}`, {
      token: mallory.token,
    });
    expect(response.statusCode).toBe(404);
  });

  it("answers 403 for another user's path and 401 without a token", async () => {
    const { user, tasks } = await userWithTasks([{ title: 'private' }]);
    const mallory = await api.newUser();
    const url = `/api/${user.id}/tasks/${tasks[0]!.id}`;
    expect((await api.call('GET', url, { token: mallory.token })).statusCode).toBe(403);
    expect((await api.call('GET', url)).statusCode).toBe(401);
  });
});

describe('GET /api/:user_id/tasks', () => {
  it('lists only the caller’s tasks, newest first, page by page', async () => {
    const { user, tasks } = await userWithTasks(
      Array.from({ length: 7 }, (_, i) => ({ title: `task ${i}` })),
    );
    await userWithTasks([{ title: 'someone else’s' }]);

    const seen: Task[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const response = await api.call('GET', `/api/${user.id}/tasks${query}`, {
        token: user.token,
      });
      expect(response.statusCode).toBe(200);
      const page = TaskList.parse(response.json());
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((t) => t.id)).toEqual(tasks.map((t) => t.id).reverse());
  });

  it('filters by completion, due window and recurrence', async () => {
    const { user, tasks } = await userWithTasks([
      { title: 'early', due_date: '2030-01-01T00:00:00Z' },
      { title: 'late', due_date: '2030-06-01T00:00:00Z' },
      { title: 'undated' },
    ]);
    await api.call('PATCH', `/api/${user.id}/tasks/${tasks[0]!.id}/complete`, {
      token: user.token,
    });
    const list = async (query: string) => {
      const response = await api.call('GET', `/api/${user.id}/tasks?${query}`, {
        token: user.token,
      });
      expect(response.statusCode).toBe(200);
      return TaskList.parse(response.json())
        .items.map((t) => t.title)
        .sort();
    };
    expect(await list('completed=true')).toEqual(['early']);
    expect(await list('completed=false')).toEqual(['late', 'undated']);
    expect(await list('due_before=2030-03-01T00:00:00Z')).toEqual(['early']);
    expect(await list('due_after=2030-03-01T00:00:00Z')).toEqual(['late']);
    expect(await list('recurring=true')).toEqual([]);
    expect(await list('recurring=false')).toEqual(['early', 'late', 'undated']);
  });

  it.each([
    'limit=0',
    'limit=abc',
    'completed=yes',
    'due_before=soon',
    'cursor=garbage',
    'sort=title',
  ])('answers 400 for ?%s', async (query) => {
    const user = await api.newUser();
    const response = await api.call('GET', `/api/${user.id}/tasks?${query}`, { token: user.token });
    expect(response.statusCode).toBe(400);
    expect(ErrorBody.parse(response.json()).error.details?.[0]?.location).toBe('query');
  });

  it('answers 401 without a token and 403 for another user', async () => {
    const [alice, mallory] = [await api.newUser(), await api.newUser()];
    expect((await api.call('GET', `/api/${alice.id}/tasks`)).statusCode).toBe(401);
    expect(
      (await api.call('GET', `/api/${alice.id}/tasks`, { token: mallory.token })).statusCode,
    ).toBe(403);
  });
});
