import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, startStandaloneBeside, type StandaloneProcess } from '@taskflow/testkit';
import { metric } from '../recurrence-harness.ts';
import { newUser, openSocket, printLogsOnFailure, waitUntilDelivering } from '../harness.ts';

// A Dapr fleet on Kafka and a process without Dapr, on the same Kafka topics and database: a
// mixed deployment (a fleet being moved to Cloud Simple, or back) must be one system.
const fleet = await startFleet({
  mode: 'dapr',
  broker: 'kafka',
  replicas: { 'task-api': 1, 'ws-notifier': 1 },
});
let standalone: StandaloneProcess;
afterAll(async () => {
  await standalone?.stop();
  await fleet.stop();
}, 60_000);
beforeAll(async () => {
  standalone = await startStandaloneBeside(fleet);
  await waitUntilDelivering(fleet);
}, 150_000);

/** The fleet as seen through the standalone process: its API and its sockets. */
const beside = () => ({
  ...fleet,
  api: standalone.url,
  replicas: {
    ...fleet.replicas,
    'ws-notifier': [{ ...fleet.replicas['ws-notifier'][0]!, url: standalone.url }],
  },
});

describe('a Dapr fleet and a standalone process on one Kafka and one database', () => {
  it("each one's writes reach the other's sockets, whichever relay published them", async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const onFleet = await openSocket(fleet, user);
    const onStandalone = await openSocket(beside(), user);
    const publishedBy = async () => ({
      standalone: await metric(standalone.url, 'taskflow_outbox_published_total'),
      fleet: await metric(fleet.replicas['task-api'][0]!.url, 'taskflow_outbox_published_total'),
    });
    const before = await publishedBy();
    const ids: string[] = [];
    // Half through each API: both relays claim from the one outbox, so events cross in both
    // directions (Dapr publisher -> taskflow's consumer, taskflow's producer -> daprd).
    for (let i = 0; i < 40; i++) {
      const through = i % 2 === 0 ? fleet.api : standalone.url;
      const response = await fetch(`${through}/api/${user.id}/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `task ${i}` }),
      });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { id: string }).id);
    }
    for (const socket of [onFleet, onStandalone]) {
      await Promise.all(ids.map((id) => socket.waitFor((m) => m.data.id === id, 30_000)));
    }
    const after = await publishedBy();
    expect(after.standalone).toBeGreaterThan(before.standalone);
    expect(after.fleet).toBeGreaterThan(before.fleet);
    onFleet.close();
    onStandalone.close();
  }, 120_000);
});
