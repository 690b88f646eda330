import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { connect, type Database } from '@taskflow/db';
import {
  createTestDatabase,
  expectUnavailable,
  startPostgresServer,
  withUnreachableDatabase,
} from '@taskflow/testkit';
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

  it('serves again within a second or two of a Postgres restart, not after 20 s', async () => {
    const server = await startPostgresServer();
    const testDatabase = await createTestDatabase(server.url);
    const database = connect(testDatabase.url, { max: 4, applicationName: 'task-api-restart' });
    const api = await userApi(database);
    afterAll(async () => {
      await api.close();
      await database.close();
      await server.destroy();
    });
    expect((await api.create()).statusCode).toBe(201);

    // Clients keep calling while the server is down and for a while after, more at once than the
    // pool has connections. Each failed connection attempt made postgres.js wait longer before
    // the next (3^n / 100 s, counted over the pool, up to 20 s), and requests waited out that delay
    // long after the server was back. Now none waits long past the restart.
    let backAt = Infinity;
    let stopAt = Infinity;
    const waits: number[] = [];
    const callers = Array.from({ length: 16 }, async () => {
      while (Date.now() < stopAt) {
        const sent = Date.now();
        const response = await api.create();
        if (response.statusCode !== 201) expectUnavailable(response);
        const answered = Date.now();
        if (answered > backAt) waits.push(answered - Math.max(sent, backAt));
        await sleep(20);
      }
    });
    await sleep(500);
    await server.stop();
    // Long enough for the old delays to reach their 20 s cap.
    await sleep(8_000);
    await server.start();
    backAt = Date.now();
    stopAt = backAt + 3_000;
    await Promise.all(callers);

    // A generous bound: with the pool's delay capped at 1 s, about a second; before, up to 20 s.
    expect(Math.max(...waits)).toBeLessThan(3_000);
    expect(waits.length).toBeGreaterThan(16);
    const after = await Promise.all(Array.from({ length: 16 }, () => api.create()));
    expect(after.map((a) => a.statusCode)).toEqual(Array(16).fill(201));
  }, 60_000);
});
