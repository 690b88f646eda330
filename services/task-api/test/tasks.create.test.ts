import { describe, expect, it } from 'vitest';
import { ErrorBody, Task } from '@taskflow/contracts';
import { userEvents } from '@taskflow/db';
import { createMetricsRegistry, signDevToken, type Registry } from '@taskflow/service-kit';
import { SECRET, startApi } from './api.ts';

const registry = createMetricsRegistry('task-api-test');
const api = await startApi(registry);

/** The create batch histogram's sum (creates written) and count (statements). */
async function createBatches(metrics: Registry) {
  const text = await metrics.metrics();
  const value = (name: string) =>
    Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1]);
  return {
    creates: value('taskflow_task_create_batch_size_sum'),
    statements: value('taskflow_task_create_batch_size_count'),
  };
}

describe('POST /api/:user_id/tasks', () => {
  describe('happy path', () => {
    it('creates the task, answers 201 with its ETag and location, and appends task.created', async () => {
      const user = await api.newUser();
      const response = await api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        body: { title: 'Buy milk', description: '2%', due_date: '2026-02-15T10:00:00+01:00' },
        headers: { 'x-correlation-id': 'corr-create-1' },
      });
      expect(response.statusCode).toBe(201);
      const task = Task.parse(response.json());
      expect(task).toMatchObject({
        user_id: user.id,
        title: 'Buy milk',
        description: '2%',
        due_date: '2026-02-15T09:00:00.000Z',
        completed: false,
        is_recurring: false,
        version: 1,
      });
      expect(response.headers.etag).toBe('"1"');
      expect(response.headers.location).toBe(`/api/${user.id}/tasks/${task.id}`);
      expect(response.headers['x-correlation-id']).toBe('corr-create-1');

      const events = await userEvents(api.database.db, user.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        event_type: 'task.created',
        aggregate_id: task.id,
        aggregate_version: 1,
        correlation_id: 'corr-create-1',
        user_id: user.id,
        data: task,
      });
    });

    it('writes creates that arrive together in shared statements, each with its own task and event', async () => {
      // One user already exists; two are new, and first appear inside a shared statement.
      const [known, fresh, other] = [await api.newUser(), await api.newUser(), await api.newUser()];
      const post = (user: typeof known, title: string) =>
        api.call('POST', `/api/${user.id}/tasks`, { token: user.token, body: { title } });
      const first = await post(known, 'known-0');
      expect(first.statusCode).toBe(201);
      const before = await createBatches(registry);

      const users = [known, fresh, other];
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) => post(users[i % 3]!, `task-${i}`)),
      );

      expect(responses.map((r) => r.statusCode)).toEqual(Array(30).fill(201));
      const tasks = responses.map((r) => Task.parse(r.json()));
      expect(new Set(tasks.map((t) => t.id)).size).toBe(30);
      for (const user of users) {
        const own = tasks.filter((t) => t.user_id === user.id);
        expect(own).toHaveLength(10);
        const byId = (a: Task, b: Task) => a.id.localeCompare(b.id);
        const created = (await userEvents(api.database.db, user.id))
          .filter(
            (e) => e.event_type === 'task.created' && own.some((t) => t.id === e.aggregate_id),
          )
          .map((e) => e.data as Task);
        expect(created.sort(byId)).toEqual(own.sort(byId));
        const listed = await api.call('GET', `/api/${user.id}/tasks?limit=100`, {
          token: user.token,
        });
        const earlier = user === known ? [first.json().id] : [];
        expect(
          listed
            .json()
            .items.map((t: Task) => t.id)
            .sort(),
        ).toEqual([...earlier, ...own.map((t) => t.id)].sort());
      }
      const after = await createBatches(registry);
      expect(after.creates - before.creates).toBe(30);
      expect(after.statements - before.statements).toBeLessThan(30);
    });

    it('generates a correlation id when none is sent and writes it into the event', async () => {
      const user = await api.newUser();
      const response = await api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        body: { title: 'x' },
      });
      const correlationId = response.headers['x-correlation-id'];
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      const [event] = await userEvents(api.database.db, user.id);
      expect(event?.correlation_id).toBe(correlationId);
    });

    it('stores lone surrogates as U+FFFD, in the row, the event and the idempotency record', async () => {
      const user = await api.newUser();
      const body = { title: 'a\ud800', description: '\udc00b' };
      const headers = { 'idempotency-key': `key-${user.id}` };
      const created = await api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        body,
        headers,
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ title: 'a\ufffd', description: '\ufffdb' });
      const read = await api.call('GET', `/api/${user.id}/tasks/${created.json().id}`, user);
      expect(read.json()).toMatchObject({ title: 'a\ufffd', description: '\ufffdb' });
      const [event] = await userEvents(api.database.db, user.id);
      expect(event?.data).toMatchObject({ title: 'a\ufffd' });
      const again = await api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        body,
        headers,
      });
      expect(again.headers['idempotent-replayed']).toBe('true');
    });

    it('answers a retry with the same Idempotency-Key with the first result, creating once', async () => {
      const user = await api.newUser();
      const send = () =>
        api.call('POST', `/api/${user.id}/tasks`, {
          token: user.token,
          body: { title: 'once' },
          headers: { 'idempotency-key': 'key-1' },
        });
      const [first, second, third] = await Promise.all([send(), send(), send()]);
      const ids = [first, second, third].map((r) => r!.json().id);
      expect(new Set(ids).size).toBe(1);
      expect([first, second, third].map((r) => r!.statusCode)).toEqual([201, 201, 201]);
      expect(
        [first, second, third].filter((r) => r!.headers['idempotent-replayed'] === 'true'),
      ).toHaveLength(2);
      expect(await userEvents(api.database.db, user.id)).toHaveLength(1);
    });

    it('scopes idempotency keys to the user', async () => {
      const [a, b] = [await api.newUser(), await api.newUser()];
      for (const user of [a, b]) {
        const response = await api.call('POST', `/api/${user.id}/tasks`, {
          token: user.token,
          body: { title: 'mine' },
          headers: { 'idempotency-key': 'shared-key' },
        });
        expect(response.statusCode).toBe(201);
        expect(response.json().user_id).toBe(user.id);
      }
    });
  });

  describe('errors', () => {
    it('refuses an Idempotency-Key reused for a different body with 422', async () => {
      const user = await api.newUser();
      const post = (title: string) =>
        api.call('POST', `/api/${user.id}/tasks`, {
          token: user.token,
          body: { title },
          headers: { 'idempotency-key': 'key-2' },
        });
      expect((await post('first')).statusCode).toBe(201);
      const reused = await post('second');
      expect(reused.statusCode).toBe(422);
      expect(reused.json().error.code).toBe('idempotency_key_reused');
    });

    it.each([
      ['an empty title', { title: '' }, 'title'],
      ['a blank title', { title: '   ' }, 'title'],
      ['a title over 500 characters', { title: 'x'.repeat(501) }, 'title'],
      [
        'a description over 10,000 characters',
        { title: 't', description: 'd'.repeat(10_001) },
        'description',
      ],
      ['a NUL character in the title', { title: 'a\u0000b' }, 'title'],
      ['an invalid date', { title: 't', due_date: '2026-13-45T00:00:00Z' }, 'due_date'],
      ['a wrong type', { title: ['t'] }, 'title'],
      ['an unknown field', { title: 't', user_id: 'someone-else' }, ''],
    ])('answers 400 with field details for %s', async (_name, body, field) => {
      const user = await api.newUser();
      const response = await api.call('POST', `/api/${user.id}/tasks`, { token: user.token, body });
      expect(response.statusCode).toBe(400);
      const error = ErrorBody.parse(response.json()).error;
      expect(error.code).toBe('validation_failed');
      expect(error.details?.some((d) => d.location === 'body' && d.path === field)).toBe(true);
      expect(await userEvents(api.database.db, user.id)).toHaveLength(0);
    });

    it('answers 400 for malformed JSON', async () => {
      const user = await api.newUser();
      const response = await api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        body: '{"title": "unterminated',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(400);
      expect(ErrorBody.parse(response.json()).error.code).toBe('validation_failed');
    });

    it('answers 400 for a missing body', async () => {
      const user = await api.newUser();
      const response = await api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        body: '',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(400);
    });

    it('answers 413 for a body over 64 KB', async () => {
      const user = await api.newUser();
      const response = await api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        body: { title: 't', description: 'd'.repeat(70 * 1024) },
      });
      expect(response.statusCode).toBe(413);
      expect(ErrorBody.parse(response.json()).error.code).toBe('payload_too_large');
    });

    it('answers 415 for a body that is not JSON', async () => {
      const user = await api.newUser();
      const response = await api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        body: 'title=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(response.statusCode).toBe(415);
    });

    it('answers 400 for a bad Idempotency-Key', async () => {
      const user = await api.newUser();
      const response = await api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        body: { title: 't' },
        headers: { 'idempotency-key': 'x'.repeat(300) },
      });
      expect(response.statusCode).toBe(400);
    });
  });

  describe('security', () => {
    it('answers 401 without a token, and creates nothing', async () => {
      const user = await api.newUser();
      const response = await api.call('POST', `/api/${user.id}/tasks`, { body: { title: 't' } });
      expect(response.statusCode).toBe(401);
      expect(ErrorBody.parse(response.json()).error.code).toBe('unauthorized');
      expect(await userEvents(api.database.db, user.id)).toHaveLength(0);
    });

    it.each([
      [
        'a token signed with another secret',
        () => signDevToken('u', 'another-secret-that-is-32-chars-long!!'),
      ],
      ['an expired token', () => signDevToken('u', SECRET, { expiresIn: '-2h' })],
      ['a token that is no JWT', async () => 'not-a-jwt'],
    ])('answers 401 for %s', async (_name, makeToken) => {
      const response = await api.call('POST', '/api/u/tasks', {
        token: await makeToken(),
        body: { title: 't' },
      });
      expect(response.statusCode).toBe(401);
    });

    it("answers 403 when the path names another user, and writes nothing to that user's list", async () => {
      const [mallory, alice] = [await api.newUser(), await api.newUser()];
      const response = await api.call('POST', `/api/${alice.id}/tasks`, {
        token: mallory.token,
        body: { title: 'planted' },
      });
      expect(response.statusCode).toBe(403);
      expect(ErrorBody.parse(response.json()).error.code).toBe('forbidden');
      expect(await userEvents(api.database.db, alice.id)).toHaveLength(0);
    });
  });
});
