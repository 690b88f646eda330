import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { HEARTBEAT_TIMEOUT, LiveSocket, type LiveSocketEvents } from '@taskflow/client';
import { newUserId, startNotifier, taskEvent, tokenFor, type Notifier } from './harness.ts';

/** A LiveSocket with every event it emitted recorded, in order. */
function liveSocket(notifier: Notifier | { url: string }, userId: string, options = {}) {
  const live = new LiveSocket({
    baseUrl: notifier.url,
    userId,
    token: () => tokenFor(userId),
    ...options,
  });
  const seen: Array<
    { [K in keyof LiveSocketEvents]: [K, LiveSocketEvents[K]] }[keyof LiveSocketEvents]
  > = [];
  for (const type of ['state', 'message', 'hello', 'resync', 'closed'] as const) {
    live.on(type, (value) => seen.push([type, value] as never));
  }
  const until = async (match: (entry: (typeof seen)[number]) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = seen.find(match);
      if (found) return found;
      await sleep(10);
    }
    throw new Error(`not emitted within ${timeoutMs} ms: ${JSON.stringify(seen)}`);
  };
  const messages = () =>
    seen
      .filter(([type]) => type === 'message')
      .map(([, m]) => (m as { event_id: string }).event_id);
  return { live, seen, until, messages };
}

const notifier = await startNotifier();

describe('LiveSocket against ws-notifier', () => {
  it('connects, asks for a first load over REST, and delivers each event once', async () => {
    const userId = newUserId();
    const { live, seen, until, messages } = liveSocket(notifier, userId);
    live.connect();
    await until(
      ([type, value]) => type === 'resync' && (value as { reason: string }).reason === 'fresh',
    );
    expect(seen.filter(([type]) => type === 'state').map(([, s]) => s)).toEqual([
      'connecting',
      'open',
    ]);
    const event = taskEvent(userId);
    await notifier.deliver(event, event);
    await until(([type]) => type === 'message');
    await sleep(50);
    expect(messages()).toEqual([event.event_id]);
    expect(live.lastEventId).toBe(event.event_id);
    live.close();
    expect(live.state).toBe('closed');
  });

  it('resumes after a dropped connection with exactly what it missed', async () => {
    const userId = newUserId();
    const { live, until, messages } = liveSocket(notifier, userId, { backoff: { firstMs: 600 } });
    live.connect();
    const first = taskEvent(userId);
    await until(([type]) => type === 'hello');
    await notifier.deliver(first);
    await until(([type]) => type === 'message');

    for (const connection of notifier.sockets.all()) {
      if (connection.userId === userId) connection.socket.terminate();
    }
    await until(([type, value]) => type === 'state' && value === 'reconnecting');
    const missed = [taskEvent(userId), taskEvent(userId)];
    await notifier.deliver(...missed);
    await until(
      ([type, value]) => type === 'hello' && (value as { replayed: number }).replayed === 2,
    );
    const live2 = taskEvent(userId);
    await notifier.deliver(live2);
    await until(([, value]) => (value as { event_id?: string }).event_id === live2.event_id);
    expect(messages()).toEqual([
      first.event_id,
      missed[0]!.event_id,
      missed[1]!.event_id,
      live2.event_id,
    ]);
    live.close();
  });

  it('comes back after a replica restart (1001) and is told to resync: the new replica has no buffer', async () => {
    const own = await startNotifier();
    const userId = newUserId();
    const { live, until } = liveSocket(own, userId);
    live.connect();
    await until(([type]) => type === 'hello');
    await own.deliver(taskEvent(userId));
    await until(([type]) => type === 'message');

    await own.app.close();
    await until(([type, value]) => type === 'closed' && (value as { code: number }).code === 1001);
    const restarted = await startNotifier({}, { port: own.port });
    const back = Date.now();
    await until(
      ([type, value]) =>
        type === 'resync' && (value as { reason: string }).reason === 'not_in_buffer',
    );
    // The ceiling right after a healthy connection is 250 ms; then 500 ms, 1 s, ...
    expect(Date.now() - back).toBeLessThan(2_000);
    expect(live.state).toBe('open');
    live.close();
    await restarted.app.close();
  });

  it('asks for the token again on every attempt, so a refreshed one is used', async () => {
    const userId = newUserId();
    let asked = 0;
    const { live, until } = liveSocket(notifier, userId, {
      token: () => {
        asked++;
        return tokenFor(userId);
      },
    });
    live.connect();
    await until(([type]) => type === 'hello');
    for (const connection of notifier.sockets.all()) {
      if (connection.userId === userId) connection.socket.terminate();
    }
    await until(([type]) => type === 'hello' && asked === 2);
    live.close();
  });
});

describe('LiveSocket heartbeat', () => {
  it('gives up on a server that stops answering, and reconnects', async () => {
    // A server that says hello and then never says anything again, not even pong.
    const server = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      handleProtocols: () => 'bearer',
    });
    let connections = 0;
    server.on('connection', (socket) => {
      connections++;
      socket.send(JSON.stringify({ type: 'hello', heartbeat_interval_ms: 100, replayed: 0 }));
    });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const { live, until } = liveSocket({ url: `ws://127.0.0.1:${port}` }, newUserId());
    live.connect();
    const started = Date.now();
    await until(
      ([type, value]) =>
        type === 'closed' && (value as { code: number }).code === HEARTBEAT_TIMEOUT,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    await until(() => connections === 2);
    live.close();
    server.close();
  });
});
