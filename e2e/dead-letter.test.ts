import { beforeAll, describe, expect, it } from 'vitest';
import { FLEET_DAPR_API_TOKEN } from '@taskflow/testkit';
import {
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';
import { deadLetterCount } from './dead-letters.ts';

const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1 });
beforeAll(() => waitUntilDelivering(fleet), 120_000);

describe(`poison messages (${fleet.broker})`, () => {
  it('go to the dead-letter topic and do not block the events behind them', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const before = await deadLetterCount(fleet, 'tasks.events.deadletter');

    // Published straight to the topic through task-api's sidecar, as a buggy producer would.
    const sidecar = fleet.replicas['task-api'][0]!.daprd;
    const poison = await fetch(
      `${sidecar.url}/v1.0/publish/taskflow-pubsub/tasks.events?metadata.partitionKey=${user.id}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'dapr-api-token': FLEET_DAPR_API_TOKEN },
        body: JSON.stringify({ event_type: 'task.created', user_id: user.id, data: 'not a task' }),
      },
    );
    expect(poison.status).toBe(204);

    const { json } = await user.call('POST', '/tasks', { title: 'behind the poison' });
    await socket.waitFor((m) => m.data.id === json.id, 10_000);

    let after = before;
    for (let i = 0; i < 100 && after <= before; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await deadLetterCount(fleet, 'tasks.events.deadletter');
    }
    expect(after).toBeGreaterThan(before);
    expect(fleet.logs()).toMatch(/sent to the dead-letter topic/);
    socket.close();
  });
});
