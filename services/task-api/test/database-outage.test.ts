import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { connect, type Database } from '@taskflow/db';
import { createTestDatabase, expectUnavailable, withUnreachableDatabase } from '@taskflow/testkit';
import { apiOver } from './api.ts';

// When Postgres is down or drops connections, task-api answers 503 `unavailable` with
// Retry-After (retrying is right), never 500 (a bug), and it recovers by itself.

async function userApi(database: Database) {
  const api = await apiOver(database);
  const { id, token } = await api.newUser();
  return {
    close: () => api.app.close(),
    create: () => api.call('POST', `/api/${id}/tasks`, { token, body: { title: 'Call mum' } }),
    list: () => api.call('GET', `/api/${id}/tasks`, { token }),
    ready: () => api.call('GET', '/readyz'),
  };
}

describe('task-api when its database is out of reach', () => {
  it('answers 503 unavailable with Retry-After to every call that needs it', async () => {
    await withUnreachableDatabase(userApi, async (api) => {
      expectUnavailable(await api.create());
      expectUnavailable(await api.list());
      expect((await api.ready()).statusCode).toBe(503);
    });
  });

  it('answers 503, never 500, while its connections are killed, and recovers by itself', async () => {
    const testDatabase = await createTestDatabase();
    const name = `task-api-outage-${randomUUID().slice(0, 8)}`;
    const database = connect(testDatabase.url, { max: 4, applicationName: name });
    const admin = postgres(testDatabase.url, { max: 1, onnotice: () => {} });
    const api = await userApi(database);
    afterAll(async () => {
      await api.close();
      await database.close();
      await admin.end();
      await testDatabase.drop();
    });
    expect((await api.create()).statusCode).toBe(201);

    for (let round = 0; round < 10; round++) {
      const requests = Array.from({ length: 8 }, () => api.create());
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${name}`;
      for (const response of await Promise.all(requests)) {
        if (response.statusCode === 503) expectUnavailable(response);
        else expect(response.statusCode).toBe(201);
      }
    }
    // After the last kill the pool reconnects: within a few tries, creates succeed again.
    let recovered = false;
    for (let i = 0; i < 5 && !recovered; i++) recovered = (await api.create()).statusCode === 201;
    expect(recovered).toBe(true);
  });
});
