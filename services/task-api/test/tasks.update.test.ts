import { describe, expect, it } from 'vitest';
import { ErrorBody, Task } from '@taskflow/contracts';
import { userEvents } from '@taskflow/db';
import { startApi } from './api.ts';

const api = await startApi();

async function newTask(body: Record<string, unknown> = { title: 'original', description: 'd' }) {
  const user = await api.newUser();
  const response = await api.call('POST', `/api/${user.id}/tasks`, { token: user.token, body });
  const task = Task.parse(response.json());
  return { user, task, url: `/api/${user.id}/tasks/${task.id}` };
}

describe('PUT /api/:user_id/tasks/:id', () => {
  it('replaces the fields, bumps the version and appends task.updated', async () => {
    const { user, task, url } = await newTask({
      title: 'original',
      description: 'd',
      due_date: '2030-01-01T00:00:00Z',
    });
    const response = await api.call('PUT', url, {
      token: user.token,
      body: { title: 'renamed' },
      headers: { 'x-correlation-id': 'corr-put' },
    });
    expect(response.statusCode).toBe(200);
    const updated = Task.parse(response.json());
    expect(updated).toMatchObject({
      title: 'renamed',
      description: null,
      due_date: null,
      version: 2,
    });
    expect(response.headers.etag).toBe('"2"');
    const events = await userEvents(api.database.db, user.id);
    expect(events.map((e) => [e.event_type, e.aggregate_version])).toEqual([
      ['task.created', 1],
      ['task.updated', 2],
    ]);
    expect(events[1]).toMatchObject({
      aggregate_id: task.id,
      correlation_id: 'corr-put',
      data: updated,
    });
  });

  it('with If-Match: applies on the current version, answers 412 on a stale one', async () => {
    const { user, url } = await newTask();
    const first = await api.call('PUT', url, {
      token: user.token,
      body: { title: 'first' },
      headers: { 'if-match': '"1"' },
    });
    expect(first.statusCode).toBe(200);
    const stale = await api.call('PUT', url, {
      token: user.token,
      body: { title: 'lost update' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.statusCode).toBe(412);
    expect(ErrorBody.parse(stale.json()).error.code).toBe('precondition_failed');
    const current = await api.call('GET', url, { token: user.token });
    expect(current.json().title).toBe('first');
  });

  it('answers 400 for a malformed If-Match', async () => {
    const { user, url } = await newTask();
    const response = await api.call('PUT', url, {
      token: user.token,
      body: { title: 'x' },
      headers: { 'if-match': 'version one' },
    });
    expect(response.statusCode).toBe(400);
  });

  it('changes nothing, and appends nothing, when nothing differs', async () => {
    const { user, task, url } = await newTask({ title: 'same' });
    const response = await api.call('PUT', url, { token: user.token, body: { title: 'same' } });
    expect(response.json()).toEqual(task);
    expect(await userEvents(api.database.db, user.id)).toHaveLength(1);
  });

  it("answers 404 for another user's task and 403 for another user's path", async () => {
    const { user, task, url } = await newTask();
    const mallory = await api.newUser();
    const viaOwnPath = await api.call('PUT', `/api/${mallory.id}/tasks/${task.id}`, {
      token: mallory.token,
      body: { title: 'hijacked' },
    });
    expect(viaOwnPath.statusCode).toBe(404);
    const viaVictimPath = await api.call('PUT', url, {
      token: mallory.token,
      body: { title: 'x' },
    });
    expect(viaVictimPath.statusCode).toBe(403);
    expect((await api.call('GET', url, { token: user.token })).json().title).toBe('original');
  });

  it('answers 400 without a title', async () => {
    const { user, url } = await newTask();
    const response = await api.call('PUT', url, { token: user.token, body: { description: 'x' } });
    expect(response.statusCode).toBe(400);
  });
});

describe('PATCH /api/:user_id/tasks/:id', () => {
  it('changes only the named fields', async () => {
    const { user, url } = await newTask({ title: 't', description: 'keep me' });
    const response = await api.call('PATCH', url, {
      token: user.token,
      body: { due_date: '2031-05-05T05:05:05Z' },
    });
    expect(response.json()).toMatchObject({
      title: 't',
      description: 'keep me',
      due_date: '2031-05-05T05:05:05.000Z',
      version: 2,
    });
  });

  it('answers 400 for an empty change and for unknown fields', async () => {
    const { user, url } = await newTask();
    expect((await api.call('PATCH', url, { token: user.token, body: {} })).statusCode).toBe(400);
    expect(
      (await api.call('PATCH', url, { token: user.token, body: { version: 9 } })).statusCode,
    ).toBe(400);
  });
});

describe('PATCH /api/:user_id/tasks/:id/complete', () => {
  it('completes with no body, appending task.completed; a second call changes nothing', async () => {
    const { user, url } = await newTask();
    const response = await api.call('PATCH', `${url}/complete`, { token: user.token });
    expect(response.statusCode).toBe(200);
    const done = Task.parse(response.json());
    expect(done.completed).toBe(true);
    expect(done.completed_at).not.toBeNull();
    const again = await api.call('PATCH', `${url}/complete`, {
      token: user.token,
      body: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(again.json()).toEqual(done);
    const types = (await userEvents(api.database.db, user.id)).map((e) => e.event_type);
    expect(types).toEqual(['task.created', 'task.completed']);
  });

  it('reopens with {"completed": false}, clearing completed_at, as task.updated', async () => {
    const { user, url } = await newTask();
    await api.call('PATCH', `${url}/complete`, { token: user.token });
    const response = await api.call('PATCH', `${url}/complete`, {
      token: user.token,
      body: { completed: false },
    });
    expect(response.json()).toMatchObject({ completed: false, completed_at: null, version: 3 });
    const types = (await userEvents(api.database.db, user.id)).map((e) => e.event_type);
    expect(types).toEqual(['task.created', 'task.completed', 'task.updated']);
  });

  it('answers 400 for a body of the wrong type, 404/403/401 for the wrong caller', async () => {
    const { user, task, url } = await newTask();
    const mallory = await api.newUser();
    expect(
      (
        await api.call('PATCH', `${url}/complete`, {
          token: user.token,
          body: { completed: 'yes' },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await api.call('PATCH', `/api/${mallory.id}/tasks/${task.id}/complete`, {
          token: mallory.token,
        })
      ).statusCode,
    ).toBe(404);
    expect((await api.call('PATCH', `${url}/complete`, { token: mallory.token })).statusCode).toBe(
      403,
    );
    expect((await api.call('PATCH', `${url}/complete`)).statusCode).toBe(401);
    expect((await api.call('GET', url, { token: user.token })).json().completed).toBe(false);
  });
});

describe('PUT /api/:user_id/tasks/:id/due-date', () => {
  it('sets and clears the due date', async () => {
    const { user, url } = await newTask();
    const set = await api.call('PUT', `${url}/due-date`, {
      token: user.token,
      body: { due_date: '2030-02-01T12:00:00-05:00' },
    });
    expect(set.json()).toMatchObject({ due_date: '2030-02-01T17:00:00.000Z', version: 2 });
    const cleared = await api.call('PUT', `${url}/due-date`, {
      token: user.token,
      body: { due_date: null },
    });
    expect(cleared.json()).toMatchObject({ due_date: null, version: 3 });
  });

  it('answers 400 for a missing or invalid date, and 403/401 for the wrong caller', async () => {
    const { user, url } = await newTask();
    const mallory = await api.newUser();
    expect(
      (await api.call('PUT', `${url}/due-date`, { token: user.token, body: {} })).statusCode,
    ).toBe(400);
    expect(
      (
        await api.call('PUT', `${url}/due-date`, {
          token: user.token,
          body: { due_date: 'friday' },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (await api.call('PUT', `${url}/due-date`, { token: mallory.token, body: { due_date: null } }))
        .statusCode,
    ).toBe(403);
    expect(
      (await api.call('PUT', `${url}/due-date`, { body: { due_date: null } })).statusCode,
    ).toBe(401);
  });
});
