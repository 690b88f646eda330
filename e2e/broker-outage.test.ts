import { beforeAll, describe, expect, it } from 'vitest';
import {
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';

const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1 });
beforeAll(() => waitUntilDelivering(fleet), 120_000);

describe(`broker killed (${fleet.broker})`, () => {
  it('task creation keeps answering 201; after the restart every event arrives, none shown twice', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    // An active user: ws-notifier has already consumed from this user's partition. On Kafka a
    // per-pod group that has never committed on a partition restarts there at `newest` after
    // the outage (docs/realtime.md, "Broker outages"); the sidecar commits every second.
    const before = await user.call('POST', '/tasks', { title: 'before the outage' });
    await socket.waitFor((m) => m.data.id === before.json.id, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    await fleet.brokerControl.kill();
    const ids: string[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const { status, json } = await user.call('POST', '/tasks', {
          title: `during outage #${i}`,
        });
        expect(status).toBe(201);
        ids.push(json.id);
      }
    } finally {
      await fleet.brokerControl.start();
    }

    await Promise.all(ids.map((id) => socket.waitFor((m) => m.data.id === id, 90_000)));
    // At least once on the wire; exactly once on the screen: the client keeps the first of each.
    const shown = new Map<string, string>();
    for (const { message } of socket.messages) {
      if (!shown.has(message.event_id)) shown.set(message.event_id, message.data.id);
    }
    const shownIds = [...shown.values()].filter((id) => ids.includes(id));
    expect(shownIds.sort()).toEqual([...ids].sort());
    socket.close();
  }, 180_000);
});
