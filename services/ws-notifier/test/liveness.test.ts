import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WS_CLOSE } from '@taskflow/contracts';
import { connect, newUserId, startNotifier, taskEvent, tokenFor } from './harness.ts';

const HEARTBEAT_MS = 200;
const notifier = await startNotifier({ WS_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS) });

describe('heartbeats', () => {
  it('keep a peer that answers pings, and drop one that does not within two intervals', async () => {
    const [live, dead] = [newUserId(), newUserId()];
    const answering = await connect(notifier, live);
    const silent = await connect(notifier, dead, { wsOptions: { autoPong: false } });
    const started = Date.now();
    const { code } = await silent.closed;
    // Terminated, not closed: no close frame reaches a peer that is not there.
    expect(code).toBe(1006);
    expect(Date.now() - started).toBeLessThan(3 * HEARTBEAT_MS + 200);
    await sleep(3 * HEARTBEAT_MS);
    expect(answering.ws.readyState).toBe(answering.ws.OPEN);
    answering.ws.close();
  });

  it('answers an application ping, for browsers that cannot see protocol pings', async () => {
    const tab = await connect(notifier, newUserId());
    tab.ws.send(JSON.stringify({ type: 'ping' }));
    await tab.next((m) => m.type === 'pong');
    tab.ws.close();
  });

  it('closes a socket when its token expires (4001)', async () => {
    const userId = newUserId();
    const tab = await connect(notifier, userId, { token: await tokenFor(userId, '1s') });
    const { code } = await tab.closed;
    expect(code).toBe(WS_CLOSE.tokenExpired);
  });
});

describe('misbehaving clients', () => {
  it('closes on a message that is not a valid client message (1008)', async () => {
    for (const bad of ['{"type":"subscribe","user_id":"someone-else"}', 'not json']) {
      const tab = await connect(notifier, newUserId());
      tab.ws.send(bad);
      expect((await tab.closed).code).toBe(WS_CLOSE.invalidMessage);
    }
  });

  it('closes a client that floods (1008)', async () => {
    const tab = await connect(notifier, newUserId());
    for (let i = 0; i < 50; i++) tab.ws.send('{"type":"ping"}');
    expect((await tab.closed).code).toBe(WS_CLOSE.invalidMessage);
  });

  it('closes a consumer too slow to keep up (4008), bounding what is queued for it', async () => {
    // A long heartbeat: a paused client answers no pings, and would be dropped as dead first.
    const notifier = await startNotifier({ WS_MAX_BUFFERED_BYTES: String(64 * 1024) });
    const userId = newUserId();
    const slow = await connect(notifier, userId);
    const fast = await connect(notifier, userId);
    await slow.next((m) => m.type === 'hello');
    const serverSide = [...notifier.sockets.all()];
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the server's queue grows
    const closed = slow.closed;
    const big = 'x'.repeat(9_000);
    let sent = 0;
    // Loopback kernel buffers can take megabytes before the server queue grows: keep going.
    for (; sent < 40_000 && notifier.sockets.countOf(userId) === 2; sent += 20) {
      await notifier.deliver(
        ...Array.from({ length: 20 }, () => taskEvent(userId, { title: big.slice(0, 500) })),
      );
    }
    expect(notifier.sockets.countOf(userId)).toBe(1);
    // Never more than the bound plus the one frame that crossed it.
    for (const { socket } of serverSide)
      expect(socket.bufferedAmount).toBeLessThan(64 * 1024 + 2_000);
    // The fast tab keeps everything; the slow one comes back with 4008 once it reads again.
    slow.ws.resume();
    expect((await closed).code).toBe(WS_CLOSE.slowConsumer);
    await fast.next((m) => m.type === 'task.created' && fast.messages.length > sent, 10_000);
    fast.ws.close();
  });
});

describe('shutdown', () => {
  it('tells every client to come back (1001)', async () => {
    const own = await startNotifier();
    const tab = await connect(own, newUserId());
    await own.app.close();
    expect((await tab.closed).code).toBe(WS_CLOSE.goingAway);
  });
});
