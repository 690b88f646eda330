import { describe, expect, it } from 'vitest';
import { listTasks } from '@taskflow/db';
import { createRateLimiter, rateLimitPolicies, Registry } from '@taskflow/service-kit';
import { loadTaskApiConfig } from '../src/config.ts';
import { SECRET, startApi } from './api.ts';

// The limits as task-api's config parses them, small enough to reach in a test.
const config = loadTaskApiConfig({
  DATABASE_URL: 'postgres://unused@localhost/unused',
  AUTH_JWT_SECRET: SECRET,
  RATE_LIMIT_USER: '3',
  RATE_LIMIT_ADDRESS: '8',
  RATE_LIMIT_WINDOW_SECONDS: '3600',
  RATE_LIMIT_STATE_STORE: 'none',
});
const registry = new Registry();
const api = await startApi(registry, {
  rateLimiter: createRateLimiter({ policies: rateLimitPolicies(config), registry }),
});
let addresses = 0;
/** An address of its own for each test, so the tests' counts do not meet. */
const newAddress = () => `192.0.2.${++addresses}`;

describe('rate limits', () => {
  it('limits each user to RATE_LIMIT_USER requests a window: 429 with Retry-After and RateLimit', async () => {
    const user = await api.newUser();
    const remoteAddress = newAddress();
    const get = () =>
      api.call('GET', `/api/${user.id}/tasks`, { token: user.token, remoteAddress });
    const admitted = [await get(), await get(), await get()];
    for (const [i, response] of admitted.entries()) {
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-policy']).toBe('"address";q=8;w=3600, "user";q=3;w=3600');
      expect(response.headers.ratelimit).toMatch(
        new RegExp(`^"address";r=${7 - i};t=\\d+, "user";r=${2 - i};t=\\d+$`),
      );
      expect(response.headers['retry-after']).toBeUndefined();
    }

    const refused = await get();
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.stringContaining('3 per 3600 s'),
        request_id: refused.headers['x-request-id'],
      },
    });
    const reset = Number(/"user";r=0;t=(\d+)$/.exec(String(refused.headers.ratelimit))?.[1]);
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(3600);
    expect(refused.headers['retry-after']).toBe(String(reset));

    // Another user from the same address still has the whole user quota.
    const other = await api.newUser();
    const theirs = await api.call('GET', `/api/${other.id}/tasks`, {
      token: other.token,
      remoteAddress,
    });
    expect(theirs.statusCode).toBe(200);
    expect(theirs.headers.ratelimit).toMatch(/"user";r=2;/);
  });

  it('limits each client address to RATE_LIMIT_ADDRESS requests, whoever asks, tokens or not', async () => {
    const remoteAddress = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const user = await api.newUser();
      statuses.push(
        (await api.call('GET', `/api/${user.id}/tasks`, { token: user.token, remoteAddress }))
          .statusCode,
      );
      statuses.push((await api.call('GET', `/api/${user.id}/tasks`, { remoteAddress })).statusCode);
    }
    expect(statuses).toEqual([200, 401, 200, 401, 200, 401, 200, 401]);

    const user = await api.newUser();
    const refused = await api.call('GET', `/api/${user.id}/tasks`, {
      token: user.token,
      remoteAddress,
    });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('rate_limited');
    // Refused by the address, before the token was looked at: only the address policy is told.
    expect(refused.headers['ratelimit-policy']).toBe('"address";q=8;w=3600');
    expect(refused.headers.ratelimit).toMatch(/^"address";r=0;t=\d+$/);

    const elsewhere = await api.call('GET', `/api/${user.id}/tasks`, {
      token: user.token,
      remoteAddress: newAddress(),
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('refuses a create over the limit before reading it: nothing is written', async () => {
    const user = await api.newUser();
    const remoteAddress = newAddress();
    const create = (title: string) =>
      api.call('POST', `/api/${user.id}/tasks`, {
        token: user.token,
        remoteAddress,
        body: { title },
      });
    for (const title of ['one', 'two', 'three']) expect((await create(title)).statusCode).toBe(201);
    expect((await create('four')).statusCode).toBe(429);
    const rows = await listTasks(api.database.db, user.id, { limit: 10 });
    expect(rows.map(({ row }) => row.title).sort()).toEqual(['one', 'three', 'two']);
  });

  it('leaves health, metrics and the API document alone, and counts its refusals', async () => {
    const remoteAddress = newAddress();
    for (let i = 0; i < 10; i++) {
      for (const url of ['/healthz', '/readyz', '/metrics', '/docs/json']) {
        const response = await api.app.inject({ method: 'GET', url, remoteAddress });
        expect(response.statusCode).toBe(200);
        expect(response.headers.ratelimit).toBeUndefined();
      }
    }
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/taskflow_rate_limit_refusals_total\{policy="user"\} [1-9]/);
    expect(metrics).toMatch(/taskflow_rate_limit_refusals_total\{policy="address"\} [1-9]/);
  });
});

describe('the client address', () => {
  const addressLimited = () =>
    createRateLimiter({
      policies: rateLimitPolicies({ ...config, RATE_LIMIT_USER: 0, RATE_LIMIT_ADDRESS: 2 }),
    });
  const statusesWith = async (target: Awaited<ReturnType<typeof startApi>>) => {
    const user = await target.newUser();
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const response = await target.call('GET', `/api/${user.id}/tasks`, {
        token: user.token,
        remoteAddress: '10.0.0.1',
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
      statuses.push(response.statusCode);
    }
    return statuses;
  };

  it('is the peer by default: a forged X-Forwarded-For does not dodge the limit', async () => {
    const direct = await startApi(undefined, { rateLimiter: addressLimited() });
    expect(await statusesWith(direct)).toEqual([200, 200, 429]);
  });

  it("is the proxy's X-Forwarded-For when TRUST_PROXY lists the proxy", async () => {
    const { TRUST_PROXY } = loadTaskApiConfig({
      DATABASE_URL: 'postgres://unused@localhost/unused',
      AUTH_JWT_SECRET: SECRET,
      TRUST_PROXY: '127.0.0.1, 10.0.0.0/8',
    });
    const proxied = await startApi(undefined, {
      rateLimiter: addressLimited(),
      trustProxy: TRUST_PROXY,
    });
    expect(await statusesWith(proxied)).toEqual([200, 200, 200]);
  });
});
