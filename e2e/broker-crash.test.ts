import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, userEvents } from '@taskflow/db';
import type { Fleet } from '@taskflow/testkit';
import {
  activeUser,
  eventually,
  firstOfEach,
  fleetForFile,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';

// The other half of broker-outage.test.ts: there the broker is down when the outbox publishes;
// here it has acknowledged every event, and dies (SIGKILL) before any subscriber took them.
// What the broker acknowledged must survive its crash (docs/architecture.md, "Broker crashes").
const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1 });
const database = connect(fleet.database.url, { max: 1 });
afterAll(() => database.close());
beforeAll(() => waitUntilDelivering(fleet), 120_000);

/** Events the outbox relay has handed to the broker and seen acknowledged (task-api's metric). */
async function publishedTotal(fleet: Fleet): Promise<number> {
  const body = await (await fetch(`${fleet.api}/metrics`)).text();
  const value = /^taskflow_outbox_published_total(?:\{[^}]*\})? (\S+)$/m.exec(body)?.[1];
  return Number(value ?? 0);
}

describe(`broker SIGKILLed while it holds events no subscriber has taken (${fleet.broker})`, () => {
  it('after its restart the same sidecar resumes its consumer group: every event arrives, 0 lost', async () => {
    printLogsOnFailure(fleet);
    // On Kafka ws-notifier's group then resumes on this user's partition, not at `newest`.
    const { user, socket } = await activeUser(fleet);

    // The only consumer of the fan-out stops; its app and the user's socket stay up.
    const notifier = fleet.replicas['ws-notifier'][0]!;
    await notifier.daprd.stop();
    const publishedBefore = await publishedTotal(fleet);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { status, json } = await user.call('POST', '/tasks', { title: `held #${i}` });
      expect(status).toBe(201);
      ids.push(json.id);
    }
    for (const id of ids.slice(0, 10)) {
      expect((await user.call('PATCH', `/tasks/${id}/complete`)).status).toBe(200);
    }
    const expected = (await userEvents(database.db, user.id)).filter((e) =>
      ids.includes(e.aggregate_id),
    );
    expect(expected).toHaveLength(30);
    await eventually(
      () => publishedTotal(fleet),
      (published) => published >= publishedBefore + expected.length,
      30_000,
    );
    // Acknowledged by the broker, taken by nobody yet: they exist only in the broker now.
    expect(socket.messages.filter((m) => ids.includes(m.message.data.id))).toEqual([]);

    await fleet.brokerControl.kill();
    await fleet.brokerControl.start();
    await notifier.daprd.restart();

    await Promise.all(
      expected.map((e) => socket.waitFor((m) => m.event_id === e.event_id, 90_000)),
    );
    // At least once on the wire; what the client keeps (the first of each event_id) is exactly
    // what was stored, type by type and version by version.
    const shown = firstOfEach(socket.messages)
      .filter((m) => ids.includes(m.data.id))
      .map((m) => [m.data.id, m.type, m.aggregate_version]);
    const stored = expected.map((e) => [e.aggregate_id, e.event_type, e.aggregate_version]);
    expect(shown.sort()).toEqual(stored.sort());
    socket.close();
  }, 240_000);
});
