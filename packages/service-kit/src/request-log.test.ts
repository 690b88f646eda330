import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createLogger } from './logger.ts';

// What an operator sees of requests at the default level: failures, slow answers, and clients
// that gave up waiting (a soak's timeouts showed nothing in the logs before).
function appWithLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = createApp({ logger: createLogger('test', 'info', sink) });
  app.get('/wait/:ms', async (request) => {
    await sleep(Number((request.params as { ms: string }).ms));
    return { ok: true };
  });
  return { app, lines };
}

let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('request logging', () => {
  it('logs nothing for a quick answer, and a warning for one that took 2 s or more', async () => {
    const { app, lines } = appWithLog();
    close = () => app.close();
    expect((await app.inject({ url: '/wait/1' })).statusCode).toBe(200);
    expect(lines.filter((l) => 'url' in l)).toEqual([]);

    expect((await app.inject({ url: '/wait/2050' })).statusCode).toBe(200);
    const slow = lines.find((l) => l.msg === 'slow request');
    expect(slow).toMatchObject({ level: 40, method: 'GET', url: '/wait/2050', status: 200 });
    expect(slow!.ms as number).toBeGreaterThanOrEqual(2_000);
  }, 10_000);

  it('says when a client closed the connection before its answer, and after how long', async () => {
    const { app, lines } = appWithLog();
    close = () => app.close();
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    await expect(
      fetch(`${address}/wait/800`, { signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    await sleep(1_000);
    const gone = lines.find((l) => l.msg === 'client closed the connection before the answer');
    expect(gone).toMatchObject({ level: 40, method: 'GET', url: '/wait/800' });
    // From the request's arrival, which a loaded machine may delay after the client's start.
    expect(gone!.ms as number).toBeGreaterThan(0);
    expect(gone!.ms as number).toBeLessThan(800);
  });
});
