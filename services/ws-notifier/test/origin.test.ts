import { describe, expect, it } from 'vitest';
import { connect, newUserId, refusedWith, startNotifier, taskEvent, tokenFor } from './harness.ts';

const PAGE = 'https://app.example.com';
const notifier = await startNotifier({ CORS_ALLOWED_ORIGINS: `${PAGE},http://127.0.0.1:5173` });

/** An upgrade as a browser page on `origin` makes it: Origin set, token as subprotocols. */
async function fromPage(origin: string | undefined, headers: Record<string, string> = {}) {
  const userId = newUserId();
  return connect(notifier, userId, {
    wsOptions: { headers, ...(origin === undefined ? {} : { origin }) },
  });
}

describe('the Origin of an upgrade', () => {
  it('refuses a page on an origin not allowed with 403, before any socket opens', async () => {
    const userId = newUserId();
    const url = `${notifier.url}/ws/user/${userId}/tasks`;
    const protocols = ['bearer', await tokenFor(userId)];
    for (const origin of [
      'https://elsewhere.example',
      `${PAGE}.evil.example`,
      'http://app.example.com',
      'null',
    ]) {
      expect(await refusedWith(url, protocols, { origin }), origin).toBe(403);
    }
    expect(notifier.sockets.size).toBe(0);
  });

  it('accepts an allowed page, its own origin (directly or behind a proxy) and clients without Origin', async () => {
    const clients = [
      await fromPage(PAGE),
      await fromPage('http://127.0.0.1:5173'),
      await fromPage(`http://127.0.0.1:${notifier.port}`),
      await fromPage('https://taskflow.example', { 'x-forwarded-host': 'taskflow.example' }),
      await fromPage(undefined),
    ];
    for (const client of clients) await client.next((m) => m.type === 'hello');
    expect(notifier.sockets.size).toBe(clients.length);
    for (const client of clients) client.ws.close();
  });

  it('an allowed page gets its events', async () => {
    const userId = newUserId();
    const client = await connect(notifier, userId, { wsOptions: { origin: PAGE } });
    const event = taskEvent(userId);
    await notifier.deliver(event);
    await client.next((m) => 'event_id' in m && m.event_id === event.event_id);
    client.ws.close();
  });

  it('the same list governs its HTTP routes (CORS)', async () => {
    const http = notifier.url.replace(/^ws/, 'http');
    const allowed = await fetch(`${http}/healthz`, { headers: { origin: PAGE } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PAGE);
    const other = await fetch(`${http}/healthz`, {
      headers: { origin: 'https://elsewhere.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('with CORS_ALLOWED_ORIGINS unset, only the own origin and clients without Origin', async () => {
    const closed = await startNotifier();
    const userId = newUserId();
    const url = `${closed.url}/ws/user/${userId}/tasks`;
    const protocols = ['bearer', await tokenFor(userId)];
    expect(await refusedWith(url, protocols, { origin: PAGE })).toBe(403);
    const own = await connect(closed, userId, {
      wsOptions: { origin: `http://127.0.0.1:${closed.port}` },
    });
    await own.next((m) => m.type === 'hello');
    own.ws.close();
  });
});
