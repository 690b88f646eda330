import { describe, expect, it } from 'vitest';
import { PendingReminderList } from '@taskflow/contracts';
import { reconcileTaskReminders } from '@taskflow/db';
import { startApi } from './api.ts';
import {
  inMinutes,
  newTask,
  pastReminder,
  reminderOf,
  remindersOf,
  workerTick,
  type User,
} from './reminder-fixtures.ts';

const api = await startApi();

async function pending(user: User, query = '') {
  const response = await api.call('GET', `/api/${user.id}/reminders/pending${query}`, {
    token: user.token,
  });
  return { status: response.statusCode, body: response.json() };
}

describe('GET /api/:user_id/tasks/:id/reminders', () => {
  it('lists every reminder of the task, earliest first, in every status', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const later = await reminderOf(api, user, task.id, { remind_at: inMinutes(90) });
    const sooner = await reminderOf(api, user, task.id, { minutes_before: 60 });
    const fired = await pastReminder(api, user, task.id, 10);
    const missed = await pastReminder(api, user, task.id, 7200);
    await workerTick(api);
    const list = await remindersOf(api, user, task.id);
    expect(list.map((r) => [r.id, r.status])).toEqual([
      [missed.id, 'missed'],
      [fired.id, 'fired'],
      [sooner.id, 'pending'],
      [later.id, 'pending'],
    ]);
    expect(list[1]!.settled_at).not.toBeNull();
  });

  it('answers an empty list for a task without reminders, 404 for no such task', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    expect(await remindersOf(api, user, task.id)).toEqual([]);
    const missing = await api.call(
      'GET',
      `/api/${user.id}/tasks/${crypto.randomUUID()}/reminders`,
      { token: user.token },
    );
    expect(missing.statusCode).toBe(404);
  });

  it("404 for another user's task; 403 for another user's path; 401 without a token", async () => {
    const [alice, mallory] = [await api.newUser(), await api.newUser()];
    const task = await newTask(api, alice);
    await reminderOf(api, alice, task.id, { minutes_before: 5 });
    const own = `/api/${mallory.id}/tasks/${task.id}/reminders`;
    const theirs = `/api/${alice.id}/tasks/${task.id}/reminders`;
    expect((await api.call('GET', own, { token: mallory.token })).statusCode).toBe(404);
    expect((await api.call('GET', theirs, { token: mallory.token })).statusCode).toBe(403);
    expect((await api.call('GET', theirs)).statusCode).toBe(401);
  });
});

describe('GET /api/:user_id/tasks/:id/reminders/:reminder_id', () => {
  it('answers one reminder, and 404 under another task or another user', async () => {
    const [alice, mallory] = [await api.newUser(), await api.newUser()];
    const task = await newTask(api, alice);
    const other = await newTask(api, alice);
    const reminder = await reminderOf(api, alice, task.id, { minutes_before: 5 });
    const get = (user: User, taskId: string) =>
      api.call('GET', `/api/${user.id}/tasks/${taskId}/reminders/${reminder.id}`, {
        token: user.token,
      });
    expect((await get(alice, task.id)).json()).toEqual(reminder);
    expect((await get(alice, other.id)).statusCode).toBe(404);
    expect((await get(mallory, task.id)).statusCode).toBe(404);
  });
});

describe('GET /api/:user_id/reminders/pending', () => {
  it("lists what is ahead across the user's tasks, by time, with each task's title", async () => {
    const user = await api.newUser();
    const groceries = await newTask(api, user, { title: 'Groceries' });
    const dentist = await newTask(api, user, { title: 'Dentist', due_date: inMinutes(30) });
    const a = await reminderOf(api, user, groceries.id, { remind_at: inMinutes(50) });
    const b = await reminderOf(api, user, dentist.id, { minutes_before: 10 });
    const c = await reminderOf(api, user, groceries.id, { minutes_before: 5 });
    const { status, body } = await pending(user);
    expect(status).toBe(200);
    const list = PendingReminderList.parse(body);
    expect(list.items.map((r) => r.id)).toEqual([b.id, a.id, c.id]);
    expect(list.items[0]).toMatchObject({
      task_id: dentist.id,
      task_title: 'Dentist',
      task_due_date: dentist.due_date,
      minutes_before: 10,
      status: 'pending',
    });
    expect(list.next_cursor).toBeNull();
  });

  it('leaves out fired and cancelled reminders and those of completed tasks', async () => {
    const user = await api.newUser();
    const open = await newTask(api, user);
    const done = await newTask(api, user);
    const kept = await reminderOf(api, user, open.id, { minutes_before: 5 });
    await pastReminder(api, user, open.id, 5);
    await reminderOf(api, user, done.id, { minutes_before: 5 });
    await workerTick(api); // fires the past one
    await api.call('PATCH', `/api/${user.id}/tasks/${done.id}/complete`, { token: user.token });
    // Even before the worker has cancelled them, a completed task's reminders are not listed.
    expect(PendingReminderList.parse((await pending(user)).body).items.map((r) => r.id)).toEqual([
      kept.id,
    ]);
    await reconcileTaskReminders(api.database.db, done.id);
    expect((await remindersOf(api, user, done.id))[0]?.status).toBe('cancelled');
    expect(PendingReminderList.parse((await pending(user)).body).items).toHaveLength(1);
  });

  it('shows missed reminders with status=missed, and both with status=pending,missed', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const missed = await pastReminder(api, user, task.id, 2 * 86_400);
    const ahead = await reminderOf(api, user, task.id, { minutes_before: 1 });
    await workerTick(api, 86_400);
    const ids = async (query: string) =>
      PendingReminderList.parse((await pending(user, query)).body).items.map((r) => [
        r.id,
        r.status,
      ]);
    expect(await ids('')).toEqual([[ahead.id, 'pending']]);
    expect(await ids('?status=missed')).toEqual([[missed.id, 'missed']]);
    expect(await ids('?status=pending,missed')).toEqual([
      [missed.id, 'missed'],
      [ahead.id, 'pending'],
    ]);
  });

  it('pages by cursor without gaps or repeats, also for reminders at the same instant', async () => {
    const user = await api.newUser();
    const at = inMinutes(45);
    const expected: string[] = [];
    for (let i = 0; i < 7; i++) {
      const task = await newTask(api, user);
      expected.push((await reminderOf(api, user, task.id, { remind_at: at })).id);
    }
    expected.sort();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = PendingReminderList.parse((await pending(user, query)).body);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(expected);
  });

  it.each(['?status=fired', '?status=', '?limit=0', '?limit=500', '?cursor=nope', '?order=desc'])(
    '400 for %s',
    async (query) => {
      const user = await api.newUser();
      const { status, body } = await pending(user, query);
      expect(status).toBe(400);
      expect(body.error.code).toBe('validation_failed');
    },
  );

  it("never shows another user's reminders; 403 for their path, 401 without a token", async () => {
    const [alice, mallory] = [await api.newUser(), await api.newUser()];
    const task = await newTask(api, alice);
    await reminderOf(api, alice, task.id, { minutes_before: 5 });
    expect(PendingReminderList.parse((await pending(mallory)).body).items).toEqual([]);
    const url = `/api/${alice.id}/reminders/pending`;
    expect((await api.call('GET', url, { token: mallory.token })).statusCode).toBe(403);
    expect((await api.call('GET', url)).statusCode).toBe(401);
  });
});

describe('the OpenAPI document', () => {
  it('describes the reminder routes from their schemas', async () => {
    const spec = (await api.call('GET', '/docs/json')).json();
    for (const path of [
      '/api/{user_id}/tasks/{id}/reminders',
      '/api/{user_id}/tasks/{id}/reminders/{reminder_id}',
      '/api/{user_id}/reminders/pending',
    ]) {
      expect(spec.paths).toHaveProperty([path]);
    }
    const body =
      spec.paths['/api/{user_id}/tasks/{id}/reminders'].post.requestBody.content['application/json']
        .schema;
    expect(Object.keys(body.properties).sort()).toEqual(['minutes_before', 'remind_at']);
    // "Exactly one of", as the server checks it.
    expect(body.oneOf).toEqual([{ required: ['remind_at'] }, { required: ['minutes_before'] }]);
  });
});
