import { describe, expect, it } from 'vitest';
import { ErrorBody, TagList, Task, TaskList } from '@taskflow/contracts';
import { changeSearchLanguage, searchLanguage, userEvents } from '@taskflow/db';
import { startApi } from './api.ts';

const api = await startApi();

type User = Awaited<ReturnType<typeof api.newUser>>;

async function create(user: User, body: Record<string, unknown>): Promise<Task> {
  const response = await api.call('POST', `/api/${user.id}/tasks`, { token: user.token, body });
  expect(response.statusCode, response.body).toBe(201);
  return Task.parse(response.json());
}

async function list(user: User, query: string): Promise<TaskList> {
  const response = await api.call('GET', `/api/${user.id}/tasks?${query}`, { token: user.token });
  expect(response.statusCode, response.body).toBe(200);
  return TaskList.parse(response.json());
}

const titles = (page: TaskList) => page.items.map((task) => task.title);

/** Every page of a query, following next_cursor. */
async function all(user: User, query: string, limit = 2): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: TaskList = await list(
      user,
      `${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    seen.push(...titles(page));
    cursor = page.next_cursor;
  } while (cursor);
  return seen;
}

describe('priority and tags', () => {
  it('stores them normalised, returns them, and puts them in the event', async () => {
    const user = await api.newUser();
    const task = await create(user, {
      title: 'file taxes',
      priority: 4,
      tags: ['Money', 'home', 'money'],
    });
    expect(task).toMatchObject({ priority: 4, tags: ['home', 'money'] });
    const plain = await create(user, { title: 'plain' });
    expect(plain).toMatchObject({ priority: null, tags: [] });
    const [event] = (await userEvents(api.database.db, user.id)).map((e) => e.data);
    expect(event).toMatchObject({ priority: 4, tags: ['home', 'money'] });
  });

  it('changes them with PATCH (only what is named) and clears them with PUT', async () => {
    const user = await api.newUser();
    const task = await create(user, { title: 't', priority: 2, tags: ['a'] });
    const url = `/api/${user.id}/tasks/${task.id}`;
    const patched = await api.call('PATCH', url, { token: user.token, body: { tags: ['B', 'a'] } });
    expect(patched.json()).toMatchObject({ priority: 2, tags: ['a', 'b'], version: 2 });
    const same = await api.call('PATCH', url, { token: user.token, body: { tags: ['b', 'A'] } });
    expect(same.json()).toMatchObject({ version: 2 });
    const replaced = await api.call('PUT', url, { token: user.token, body: { title: 't' } });
    expect(replaced.json()).toMatchObject({ priority: null, tags: [], version: 3 });
  });

  it.each([
    ['priority 0', { priority: 0 }],
    ['priority 5', { priority: 5 }],
    ['priority as text', { priority: 'high' }],
    ['a tag with a space', { tags: ['two words'] }],
    ['a tag with a comma', { tags: ['a,b'] }],
    ['an empty tag', { tags: [''] }],
    ['a tag over 32 characters', { tags: ['x'.repeat(33)] }],
    ['21 tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ['tags that are no list', { tags: 'work' }],
  ])('refuses %s with 400 and stores nothing', async (_name, fields) => {
    const user = await api.newUser();
    const response = await api.call('POST', `/api/${user.id}/tasks`, {
      token: user.token,
      body: { title: 't', ...fields },
    });
    expect(response.statusCode).toBe(400);
    expect(ErrorBody.parse(response.json()).error.code).toBe('validation_failed');
    expect((await list(user, '')).items).toEqual([]);
  });

  it('filters by priority (any of) and tags (all of)', async () => {
    const user = await api.newUser();
    await create(user, { title: 'urgent work', priority: 4, tags: ['work', 'urgent'] });
    await create(user, { title: 'work', priority: 2, tags: ['work'] });
    await create(user, { title: 'none', tags: ['home'] });
    expect(titles(await list(user, 'priority=4,2')).sort()).toEqual(['urgent work', 'work']);
    expect(titles(await list(user, 'priority=none'))).toEqual(['none']);
    expect(titles(await list(user, 'tags=WORK')).sort()).toEqual(['urgent work', 'work']);
    expect(titles(await list(user, 'tags=work,urgent'))).toEqual(['urgent work']);
    expect(titles(await list(user, 'tags=work&priority=2'))).toEqual(['work']);
    for (const bad of ['priority=5', 'priority=', 'tags=a%20b', 'tags=', 'sort=size', 'order=up']) {
      const response = await api.call('GET', `/api/${user.id}/tasks?${bad}`, { token: user.token });
      expect(response.statusCode, bad).toBe(400);
    }
  });

  it("lists the user's tags with counts, most used first, and no one else's", async () => {
    const user = await api.newUser();
    await create(user, { title: 'a', tags: ['work', 'urgent'] });
    const done = await create(user, { title: 'b', tags: ['work'] });
    await api.call('PATCH', `/api/${user.id}/tasks/${done.id}/complete`, { token: user.token });
    const other = await api.newUser();
    await create(other, { title: 'c', tags: ['secret'] });
    const response = await api.call('GET', `/api/${user.id}/tags`, { token: user.token });
    expect(TagList.parse(response.json()).items).toEqual([
      { name: 'work', count: 2, open: 1 },
      { name: 'urgent', count: 1, open: 1 },
    ]);
    const foreign = await api.call('GET', `/api/${other.id}/tags`, { token: user.token });
    expect(foreign.statusCode).toBe(403);
    expect((await api.call('GET', `/api/${user.id}/tags`)).statusCode).toBe(401);
  });
});

describe('sort', () => {
  it('orders by due date, priority, created and updated, with tasks lacking the field last, page by page', async () => {
    const user = await api.newUser();
    await create(user, { title: 'due-late', due_date: '2030-03-01T00:00:00Z', priority: 1 });
    await create(user, { title: 'no-due', priority: 4 });
    await create(user, { title: 'due-early', due_date: '2030-01-01T00:00:00Z' });
    const mid = await create(user, {
      title: 'due-mid',
      due_date: '2030-02-01T00:00:00Z',
      priority: 4,
    });
    await create(user, { title: 'no-due-2' });
    expect(await all(user, 'sort=due_date')).toEqual([
      'due-early',
      'due-mid',
      'due-late',
      ...(await all(user, 'sort=due_date')).slice(3),
    ]);
    expect((await all(user, 'sort=due_date')).slice(3).sort()).toEqual(['no-due', 'no-due-2']);
    expect((await all(user, 'sort=due_date&order=desc')).slice(0, 3)).toEqual([
      'due-late',
      'due-mid',
      'due-early',
    ]);
    const byPriority = await all(user, 'sort=priority');
    expect(byPriority.slice(0, 2).sort()).toEqual(['due-mid', 'no-due']);
    expect(byPriority[2]).toBe('due-late');
    expect(byPriority.slice(3).sort()).toEqual(['due-early', 'no-due-2']);
    expect((await all(user, 'sort=priority&order=asc'))[0]).toBe('due-late');
    expect(await all(user, 'sort=created_at&order=asc')).toEqual([
      'due-late',
      'no-due',
      'due-early',
      'due-mid',
      'no-due-2',
    ]);
    await api.call('PATCH', `/api/${user.id}/tasks/${mid.id}`, {
      token: user.token,
      body: { title: 'due-mid!' },
    });
    expect((await all(user, 'sort=updated_at'))[0]).toBe('due-mid!');
  });

  it('takes any cursor of the published shape with any sort', async () => {
    const user = await api.newUser();
    await create(user, { title: 't', priority: 2, due_date: '2030-01-01T00:00:00Z' });
    const id = crypto.randomUUID();
    for (const sort of ['priority', 'due_date', 'created_at', 'updated_at']) {
      for (const key of ['999999999999999', '-999999999999999', '0', 'n']) {
        const response = await api.call(
          'GET',
          `/api/${user.id}/tasks?sort=${sort}&cursor=${key}_${id}`,
          { token: user.token },
        );
        expect(response.statusCode, `${sort} ${key}`).toBe(200);
      }
    }
    const ranked = await api.call('GET', `/api/${user.id}/tasks?q=t&cursor=999999999999999_${id}`, {
      token: user.token,
    });
    expect(ranked.statusCode).toBe(200);
  });

  it('pages through ties without losing or repeating a task', async () => {
    const user = await api.newUser();
    for (let i = 0; i < 7; i++) await create(user, { title: `t${i}`, priority: 2 });
    const seen = await all(user, 'sort=priority', 3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });
});

describe('search', () => {
  it('finds words in title and description, stemmed, title matches first', async () => {
    const user = await api.newUser();
    await create(user, { title: 'Buy milk', description: 'oat, not cow' });
    await create(user, { title: 'Call the plumber', description: 'kitchen sink is leaking' });
    await create(user, { title: 'Kitchen', description: 'clean it' });
    await create(user, { title: 'Groceries', description: 'eggs and milk' });
    expect(titles(await list(user, 'q=milk'))).toEqual(['Buy milk', 'Groceries']);
    expect(titles(await list(user, 'q=leak'))).toEqual(['Call the plumber']);
    expect(titles(await list(user, 'q=kitchen'))).toEqual(['Kitchen', 'Call the plumber']);
    expect(titles(await list(user, 'q=milk%20-oat'))).toEqual(['Groceries']);
    expect(titles(await list(user, 'q=%22sink%20is%20leaking%22'))).toEqual(['Call the plumber']);
    expect(titles(await list(user, 'q=the'))).toEqual([]);
    expect(titles(await list(user, 'q=milk&sort=created_at&order=asc'))).toEqual([
      'Buy milk',
      'Groceries',
    ]);
    const other = await api.newUser();
    expect(titles(await list(other, 'q=milk'))).toEqual([]);
  });

  it('pages through ranked results', async () => {
    const user = await api.newUser();
    for (let i = 0; i < 5; i++)
      await create(user, { title: `report ${i}`, description: i % 2 ? 'report' : null });
    const seen = await all(user, 'q=report', 2);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(seen.slice(0, 2).sort()).toEqual(['report 1', 'report 3']);
  });

  it('finds an edited task by its new words only', async () => {
    const user = await api.newUser();
    const task = await create(user, { title: 'draft letter' });
    await api.call('PATCH', `/api/${user.id}/tasks/${task.id}`, {
      token: user.token,
      body: { title: 'final memo' },
    });
    expect(titles(await list(user, 'q=letter'))).toEqual([]);
    expect(titles(await list(user, 'q=memo'))).toEqual(['final memo']);
  });

  it('takes any text without an error, and refuses blank or over-long queries', async () => {
    const user = await api.newUser();
    await create(user, { title: 'weird' });
    for (const q of ['%22', '%26%7C!(', 'or', '-', 'weird%3A*', '%E2%9C%93']) {
      const response = await api.call('GET', `/api/${user.id}/tasks?q=${q}`, { token: user.token });
      expect(response.statusCode, q).toBe(200);
    }
    for (const q of ['', '%20%20', 'x'.repeat(201)]) {
      const response = await api.call('GET', `/api/${user.id}/tasks?q=${q}`, { token: user.token });
      expect(response.statusCode, q).toBe(400);
    }
    const relevance = await api.call('GET', `/api/${user.id}/tasks?sort=relevance`, {
      token: user.token,
    });
    expect(relevance.statusCode).toBe(422);
  });

  it('stems in the search language, and re-stems every task when it changes', async () => {
    const user = await api.newUser();
    await create(user, { title: 'Häuser streichen' });
    expect(await searchLanguage(api.database.db)).toBe('english');
    expect(titles(await list(user, 'q=haus'))).toEqual([]);
    try {
      expect(await changeSearchLanguage(api.database, 'german', { batch: 2 })).toBeGreaterThan(0);
      expect(titles(await list(user, 'q=haus'))).toEqual(['Häuser streichen']);
    } finally {
      await changeSearchLanguage(api.database, 'english');
    }
  });
});
