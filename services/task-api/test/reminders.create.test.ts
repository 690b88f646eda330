import { describe, expect, it } from 'vitest';
import { ErrorBody, Reminder, REMINDERS_PER_TASK_MAX } from '@taskflow/contracts';
import { userEvents } from '@taskflow/db';
import { startApi } from './api.ts';
import { addReminder, inMinutes, minus, newTask, remindersOf } from './reminder-fixtures.ts';

const api = await startApi();

const errorOf = (response: { json(): unknown }) => ErrorBody.parse(response.json()).error;

describe('POST /api/:user_id/tasks/:id/reminders: happy paths', () => {
  it('adds an absolute reminder, normalised to UTC, with its Location', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const response = await addReminder(api, user, task.id, {
      remind_at: '2031-03-01T10:15:00+01:00',
    });
    expect(response.statusCode).toBe(201);
    const reminder = Reminder.parse(response.json());
    expect(reminder).toMatchObject({
      task_id: task.id,
      remind_at: '2031-03-01T09:15:00.000Z',
      minutes_before: null,
      status: 'pending',
      late: false,
      settled_at: null,
    });
    expect(response.headers.location).toBe(
      `/api/${user.id}/tasks/${task.id}/reminders/${reminder.id}`,
    );
    const fetched = await api.call('GET', String(response.headers.location), {
      token: user.token,
    });
    expect(fetched.json()).toEqual(reminder);
  });

  it('adds a reminder relative to the due date, and one at the due date itself', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const early = Reminder.parse(
      (await addReminder(api, user, task.id, { minutes_before: 15 })).json(),
    );
    expect(early).toMatchObject({ remind_at: minus(task.due_date!, 15), minutes_before: 15 });
    const onTime = Reminder.parse(
      (await addReminder(api, user, task.id, { minutes_before: 0 })).json(),
    );
    expect(onTime).toMatchObject({ remind_at: task.due_date, minutes_before: 0 });
  });

  it('appends no event: a reminder is not a task change (reminder.triggered comes when it fires)', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const before = await userEvents(api.database.db, user.id);
    expect((await addReminder(api, user, task.id, { minutes_before: 5 })).statusCode).toBe(201);
    expect(await userEvents(api.database.db, user.id)).toEqual(before);
  });

  it('honours Idempotency-Key: a retry gets the first answer, a different body 422', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const headers = { 'idempotency-key': 'rem-1' };
    const body = { remind_at: inMinutes(30) };
    const first = await addReminder(api, user, task.id, body, headers);
    const retry = await addReminder(api, user, task.id, body, headers);
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    expect(await remindersOf(api, user, task.id)).toHaveLength(1);
    const other = await addReminder(api, user, task.id, { remind_at: inMinutes(40) }, headers);
    expect(other.statusCode).toBe(422);
  });
});

describe('POST /api/:user_id/tasks/:id/reminders: errors', () => {
  it.each([
    ['a time that is not ISO 8601', { remind_at: 'next tuesday' }, 'remind_at'],
    ['a time without an offset', { remind_at: '2031-03-01T10:15:00' }, 'remind_at'],
    ['an ISO 8601 duration for minutes', { minutes_before: 'PT15M' }, 'minutes_before'],
    ['negative minutes', { minutes_before: -1 }, 'minutes_before'],
    ['both shapes', { remind_at: '2031-03-01T10:15:00Z', minutes_before: 5 }, ''],
    ['neither shape', {}, ''],
    ['an unknown field', { remind_at: '2031-03-01T10:15:00Z', via: 'sms' }, ''],
  ])('400 for %s', async (_name, body, path) => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const response = await addReminder(api, user, task.id, body);
    expect(response.statusCode).toBe(400);
    const error = errorOf(response);
    expect(error.code).toBe('validation_failed');
    if (path) expect(error.details?.map((d) => d.path)).toContain(path);
  });

  it('422 for a relative reminder on a task without a due date', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user, { due_date: null });
    const response = await addReminder(api, user, task.id, { minutes_before: 15 });
    expect(response.statusCode).toBe(422);
    expect(errorOf(response).code).toBe('unprocessable');
    expect(errorOf(response).details?.[0]).toMatchObject({ path: 'minutes_before' });
    expect(errorOf(response).message).toMatch(/no due date/);
  });

  it('422 for a time in the past, absolute or relative', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user, { due_date: inMinutes(10) });
    const past = await addReminder(api, user, task.id, { remind_at: inMinutes(-1) });
    expect(past.statusCode).toBe(422);
    expect(errorOf(past).message).toMatch(/in the past/);
    const relative = await addReminder(api, user, task.id, { minutes_before: 11 });
    expect(relative.statusCode).toBe(422);
    expect(errorOf(relative).details?.[0]).toMatchObject({ path: 'minutes_before' });
  });

  it('409 for a second reminder at the same instant, however it is expressed', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    const at = minus(task.due_date!, 30);
    expect((await addReminder(api, user, task.id, { remind_at: at })).statusCode).toBe(201);
    const again = await addReminder(api, user, task.id, { remind_at: at });
    expect(again.statusCode).toBe(409);
    expect(errorOf(again)).toMatchObject({ code: 'conflict' });
    const relative = await addReminder(api, user, task.id, { minutes_before: 30 });
    expect(relative.statusCode).toBe(409);
    expect(await remindersOf(api, user, task.id)).toHaveLength(1);
  });

  it('409 for a completed task', async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    await api.call('PATCH', `/api/${user.id}/tasks/${task.id}/complete`, { token: user.token });
    const response = await addReminder(api, user, task.id, { remind_at: inMinutes(5) });
    expect(response.statusCode).toBe(409);
    expect(errorOf(response).message).toMatch(/completed/);
  });

  it(`409 beyond ${REMINDERS_PER_TASK_MAX} reminders on one task`, async () => {
    const user = await api.newUser();
    const task = await newTask(api, user);
    for (let i = 1; i <= REMINDERS_PER_TASK_MAX; i++) {
      const response = await addReminder(api, user, task.id, { remind_at: inMinutes(i) });
      expect(response.statusCode).toBe(201);
    }
    const one = await addReminder(api, user, task.id, { remind_at: inMinutes(500) });
    expect(one.statusCode).toBe(409);
    expect(errorOf(one).message).toMatch(/at most/);
  });

  it('404 for a task that does not exist, 400 for an id that is no uuid', async () => {
    const user = await api.newUser();
    const missing = await addReminder(api, user, crypto.randomUUID(), {
      remind_at: inMinutes(5),
    });
    expect(missing.statusCode).toBe(404);
    expect((await addReminder(api, user, '42', { remind_at: inMinutes(5) })).statusCode).toBe(400);
  });
});

describe('POST /api/:user_id/tasks/:id/reminders: who may', () => {
  it("404 for another user's task under one's own path; nothing is written", async () => {
    const alice = await api.newUser();
    const mallory = await api.newUser();
    const task = await newTask(api, alice);
    const response = await addReminder(api, mallory, task.id, { remind_at: inMinutes(5) });
    expect(response.statusCode).toBe(404);
    expect(await remindersOf(api, alice, task.id)).toEqual([]);
  });

  it("403 for another user's path, 401 without a token", async () => {
    const alice = await api.newUser();
    const mallory = await api.newUser();
    const task = await newTask(api, alice);
    const url = `/api/${alice.id}/tasks/${task.id}/reminders`;
    const body = { remind_at: inMinutes(5) };
    expect((await api.call('POST', url, { token: mallory.token, body })).statusCode).toBe(403);
    expect((await api.call('POST', url, { body })).statusCode).toBe(401);
    expect(await remindersOf(api, alice, task.id)).toEqual([]);
  });
});
