import { beforeAll, describe, expect, it } from 'vitest';
import { FLEET_DAPR_API_TOKEN } from '@taskflow/testkit';
import { makeEvent, topicName, TOPICS, type EventEnvelope } from '@taskflow/contracts';
import { createDaprClient } from '@taskflow/dapr';
import {
  fleetForFile,
  newUser,
  printLogsOnFailure,
  waitUntilDelivering,
  eventually,
} from './harness.ts';
import { recordedSocket, restClient, taskSync } from './realtime-clients.ts';

// Two replicas: each receives every event and serves its own sockets.
const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 2 });
beforeAll(() => waitUntilDelivering(fleet), 120_000);
const tokens: string[] = [];

describe(`realtime with @taskflow/client over two replicas (${fleet.broker})`, () => {
  it('clients spread over both replicas all converge on what REST says', async () => {
    printLogsOnFailure(fleet);
    const users = await Promise.all(Array.from({ length: 4 }, () => newUser(fleet)));
    tokens.push(...users.map((u) => u.token));
    // Each user: one tab on each replica.
    const tabs = users.flatMap((user) =>
      [0, 1].map((replica) => ({ user, sync: taskSync(fleet, user, replica) })),
    );
    for (const { sync } of tabs) sync.start();
    await Promise.all(tabs.map(({ sync }) => new Promise((resolve) => sync.on('loaded', resolve))));

    for (const user of users) {
      const api = restClient(fleet, user);
      const a = await api.tasks.create({ title: `${user.id} a`, priority: 3, tags: ['Home'] });
      const b = await api.tasks.create({ title: `${user.id} b` });
      await api.tasks.update(a.id, { title: `${user.id} a, edited`, tags: ['home', 'live'] });
      await api.tasks.complete(b.id);
      const c = await api.tasks.create({ title: `${user.id} c` });
      await api.tasks.remove(c.id);
    }
    for (const { user, sync } of tabs) {
      const expected = await restClient(fleet, user).tasks.listAll();
      const shown = await eventually(
        () => sync.tasks,
        (tasks) => JSON.stringify(tasks) === JSON.stringify(expected),
      );
      expect(shown.map((t) => t.title)).toEqual([`${user.id} b`, `${user.id} a, edited`]);
      expect(shown[0]).toMatchObject({ completed: true });
      // Priority and tags travel in the events and the socket messages too.
      expect(shown[1]).toMatchObject({ priority: 3, tags: ['home', 'live'] });
      sync.stop();
    }
  });

  it('a client resuming on the OTHER replica gets what it missed, then live events', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    tokens.push(user.token);
    const api = restClient(fleet, user);
    // An observer on replica 1 from the start: the resume below must be a replay of events that
    // replica already holds, not a race with their delivery to it.
    const observer = recordedSocket(fleet, user, 1);
    observer.live.connect();
    await observer.until((type) => type === 'hello');
    const first = recordedSocket(fleet, user, 0);
    first.live.connect();
    await first.until((type) => type === 'hello');
    const seen = await api.tasks.create({ title: 'seen' });
    await first.until(
      (type, m) => type === 'message' && (m as { data: { id: string } }).data.id === seen.id,
    );
    first.live.close();
    const lastEventId = first.live.lastEventId!;

    const missed = [
      await api.tasks.create({ title: 'missed 1' }),
      await api.tasks.create({ title: 'missed 2' }),
    ];
    for (const task of [seen, ...missed]) {
      await observer.until(
        (type, m) => type === 'message' && (m as { data: { id: string } }).data.id === task.id,
      );
    }
    observer.live.close();

    const resumed = recordedSocket(fleet, user, 1, { lastEventId });
    resumed.live.connect();
    await resumed.until(
      (type, hello) => type === 'hello' && (hello as { replayed: number }).replayed === 2,
    );
    const live = await api.tasks.create({ title: 'live' });
    await resumed.until(
      (type, m) => type === 'message' && (m as { data: { id: string } }).data.id === live.id,
    );
    // Events of different tasks may reach a replica in any order (Redis Streams delivers
    // concurrently): the replay comes first, in the order the replica got them, then live.
    const titles = resumed.messages().map((m) => m.data.title);
    expect(titles.slice(0, 2).sort()).toEqual(['missed 1', 'missed 2']);
    expect(titles.slice(2)).toEqual(['live']);
    expect(resumed.events.some(([type]) => type === 'resync')).toBe(false);
    resumed.live.close();
  });

  it('maps all six event types, reminder.triggered as `reminder`', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    tokens.push(user.token);
    const socket = recordedSocket(fleet, user, 1);
    socket.live.connect();
    await socket.until((type) => type === 'hello');
    const api = restClient(fleet, user);
    const task = await api.tasks.create({ title: 'six', due_date: '2030-01-01T09:00:00Z' });
    await api.tasks.update(task.id, { title: 'six, edited' });
    await api.tasks.complete(task.id);
    await api.tasks.remove(task.id);
    // The other two come from scheduler and reminder-worker: published here as they would.
    const context = { userId: user.id, correlationId: 'e2e-six' };
    const instance = crypto.randomUUID();
    const reminder = crypto.randomUUID();
    await publish(
      [
        makeEvent(
          'recurring.spawned',
          { id: instance, version: 1 },
          {
            series_id: task.id,
            instance_id: instance,
            occurrence_at: '2030-01-02T09:00:00.000Z',
            next_occurrence: '2030-01-03T09:00:00.000Z',
            title: 'six',
            due_date: '2030-01-02T09:00:00.000Z',
            project_id: null,
          },
          context,
        ),
      ],
      TOPICS.tasks,
    );
    await publish(
      [
        makeEvent(
          'reminder.triggered',
          { id: reminder, version: 1 },
          {
            reminder_id: reminder,
            task_id: task.id,
            title: 'six',
            remind_at: '2030-01-01T08:45:00.000Z',
            due_date: '2030-01-01T09:00:00.000Z',
            late: false,
            project_id: null,
          },
          context,
        ),
      ],
      TOPICS.reminders,
    );
    await socket.until(() => new Set(socket.messages().map((m) => m.type)).size === 6);
    const byType = Object.fromEntries(socket.messages().map((m) => [m.type, m]));
    expect(byType['recurring.spawned']).toMatchObject({
      data: { id: instance, series_id: task.id },
    });
    expect(byType.reminder).toMatchObject({
      data: { id: task.id, reminder_id: reminder, title: 'six' },
    });
    expect(byType['task.deleted']).toMatchObject({ data: { id: task.id }, aggregate_version: 4 });
    socket.live.close();
  });

  it('exposes connections, deliveries and delivery lag on /metrics', async () => {
    for (const replica of fleet.replicas['ws-notifier']) {
      const body = await (await fetch(`${replica.url}/metrics`)).text();
      expect(body).toMatch(/^taskflow_ws_connections\{service="ws-notifier"\} \d+$/m);
      expect(body).toMatch(
        /^taskflow_ws_deliveries_total\{kind="live",service="ws-notifier"\} [1-9]/m,
      );
      expect(body).toMatch(
        /^taskflow_ws_delivery_lag_seconds_count\{service="ws-notifier"\} [1-9]/m,
      );
    }
  });

  it('never writes a token into any log line of the fleet', () => {
    const logs = fleet.logs();
    for (const token of tokens) expect(logs).not.toContain(token.split('.')[2]);
  });
});

async function publish(events: EventEnvelope[], topic: string): Promise<void> {
  const sidecar = fleet.replicas['task-api'][0]!.daprd;
  const dapr = createDaprClient({ httpPort: sidecar.httpPort, apiToken: FLEET_DAPR_API_TOKEN });
  for (const event of events) {
    await dapr.publish('taskflow-pubsub', topicName(topic, fleet.topicNamespace), event, {
      metadata: { partitionKey: event.user_id },
    });
  }
}
