import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, newUserId, refusal, startNotifier, tokenFor } from './harness.ts';

const notifier = await startNotifier({
  RATE_LIMIT_USER: '2',
  RATE_LIMIT_ADDRESS: '5',
  RATE_LIMIT_WINDOW_SECONDS: '3600',
});

/** An upgrade from a loopback address of its own (Linux answers all of 127/8). */
function upgradeFrom(localAddress: string, userId: string, token: string) {
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(`${notifier.url}/ws/user/${userId}/tasks`, ['bearer', token], {
      localAddress,
    });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_request, response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    ws.once('error', () => {});
  });
}

describe('upgrade rate limits', () => {
  it('refuses a user over RATE_LIMIT_USER upgrades a window with 429, before any socket', async () => {
    const userId = newUserId();
    for (let i = 0; i < 2; i++) (await connect(notifier, userId)).ws.close();
    const open = notifier.sockets.size;

    const refused = await refusal(`${notifier.url}/ws/user/${userId}/tasks`, [
      'bearer',
      await tokenFor(userId),
    ]);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.stringContaining('2 per 3600 s'),
        request_id: refused.headers['x-request-id'],
      },
    });
    expect(refused.headers['ratelimit-policy']).toBe('"address";q=5;w=3600, "user";q=2;w=3600');
    const reset = /"user";r=0;t=(\d+)$/.exec(String(refused.headers.ratelimit))?.[1];
    expect(Number(reset)).toBeGreaterThan(0);
    expect(refused.headers['retry-after']).toBe(reset);
    expect(notifier.sockets.size).toBeLessThanOrEqual(open);
  });

  it('refuses an address over RATE_LIMIT_ADDRESS upgrades, whoever asks; other addresses go on', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const userId = newUserId();
      // Every other upgrade with a bad token: refused ones count for the address too.
      statuses.push(await upgradeFrom('127.0.0.2', userId, i % 2 ? 'bad' : await tokenFor(userId)));
    }
    expect(statuses).toEqual([101, 401, 101, 401, 101]);
    const userId = newUserId();
    expect(await upgradeFrom('127.0.0.2', userId, await tokenFor(userId))).toBe(429);
    expect(await upgradeFrom('127.0.0.3', userId, await tokenFor(userId))).toBe(101);
  });
});
