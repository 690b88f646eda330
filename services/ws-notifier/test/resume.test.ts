import { describe, expect, it } from 'vitest';
import { connect, eventIdOf, newUserId, startNotifier, taskEvent } from './harness.ts';

const notifier = await startNotifier({ WS_RESUME_PER_USER: '3' });

describe('live events and resume', () => {
  it('says hello, then sends each event of the user, and only theirs', async () => {
    const [alice, bob] = [newUserId(), newUserId()];
    const tab = await connect(notifier, alice);
    const event = taskEvent(alice, { title: 'Buy milk' });
    await notifier.deliver(taskEvent(bob), event);
    await tab.next((m) => eventIdOf(m) === event.event_id);
    expect(tab.messages).toEqual([
      { type: 'hello', heartbeat_interval_ms: 30_000, replayed: 0 },
      expect.objectContaining({
        type: 'task.created',
        data: expect.objectContaining({ id: event.aggregate_id, title: 'Buy milk' }),
        event_id: event.event_id,
        aggregate_version: 1,
      }),
    ]);
    tab.ws.close();
  });

  it('replays what a reconnecting client missed, then goes on live', async () => {
    const userId = newUserId();
    const tab = await connect(notifier, userId);
    const seen = taskEvent(userId);
    await notifier.deliver(seen);
    await tab.next((m) => eventIdOf(m) === seen.event_id);
    tab.ws.close();
    await tab.closed;

    const missed = [taskEvent(userId, { title: 'm1' }), taskEvent(userId, { title: 'm2' })];
    await notifier.deliver(...missed);
    const again = await connect(notifier, userId, { lastEventId: seen.event_id });
    const live = taskEvent(userId, { title: 'live' });
    await notifier.deliver(live);
    await again.next((m) => eventIdOf(m) === live.event_id);
    expect(again.messages.map((m) => eventIdOf(m) ?? m.type)).toEqual([
      'hello',
      missed[0]!.event_id,
      missed[1]!.event_id,
      live.event_id,
    ]);
    expect(again.messages[0]).toMatchObject({ type: 'hello', replayed: 2 });
    again.ws.close();
  });

  it('tells the client to resync when its last event is no longer (or never was) buffered', async () => {
    const userId = newUserId();
    const events = Array.from({ length: 5 }, () => taskEvent(userId));
    await notifier.deliver(...events);
    for (const lastEventId of [events[0]!.event_id, crypto.randomUUID()]) {
      const tab = await connect(notifier, userId, { lastEventId });
      await tab.next((m) => m.type === 'resync');
      expect(tab.messages).toEqual([
        { type: 'hello', heartbeat_interval_ms: 30_000, replayed: 0 },
        { type: 'resync', reason: 'not_in_buffer' },
      ]);
      const live = taskEvent(userId);
      await notifier.deliver(live);
      await tab.next((m) => eventIdOf(m) === live.event_id);
      tab.ws.close();
    }
  });

  it('does not send a redelivered event twice', async () => {
    const userId = newUserId();
    const tab = await connect(notifier, userId);
    const event = taskEvent(userId);
    const after = taskEvent(userId);
    await notifier.deliver(event, event);
    await notifier.deliver(event, after);
    await tab.next((m) => eventIdOf(m) === after.event_id);
    expect(tab.messages.filter((m) => eventIdOf(m) === event.event_id)).toHaveLength(1);
    tab.ws.close();
  });

  it('reports connections, deliveries, resumes and lag on /metrics', async () => {
    const userId = newUserId();
    const tab = await connect(notifier, userId);
    await notifier.deliver(taskEvent(userId));
    await tab.next((m) => 'event_id' in m);
    const metrics = async () => (await notifier.app.inject('/metrics')).body;
    // Earlier tests' sockets may still be finishing their close on the server side.
    await expect.poll(metrics).toMatch(/^taskflow_ws_connections\{service="ws-notifier"\} 1$/m);
    const body = await metrics();
    expect(body).toMatch(/^taskflow_ws_deliveries_total\{kind="live",service="ws-notifier"\} \d+/m);
    expect(body).toMatch(/^taskflow_ws_deliveries_total\{kind="replay",service="ws-notifier"\} 2/m);
    expect(body).toMatch(/^taskflow_ws_resumes_total\{result="resync",service="ws-notifier"\} 2/m);
    expect(body).toMatch(/^taskflow_ws_delivery_lag_seconds_count\{service="ws-notifier"\} \d+/m);
    expect(body).toMatch(/^taskflow_ws_duplicate_events_total\{service="ws-notifier"\} 2/m);
    tab.ws.close();
  });
});
