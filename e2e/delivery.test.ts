import { beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelope, Task } from '@taskflow/contracts';
import { userEvents } from '@taskflow/db';
import { connect } from '@taskflow/db';
import {
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';

const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1 });
const database = connect(fleet.database.url, { max: 2 });

beforeAll(() => waitUntilDelivering(fleet), 120_000);

describe(`live delivery (${fleet.broker})`, () => {
  it('a task created over HTTP reaches both of its user’s sockets within 500 ms, as the seed’s message', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const [tab1, tab2] = [await openSocket(fleet, user), await openSocket(fleet, user)];
    const sentAt = performance.now();
    const { status, json } = await user.call('POST', '/tasks', {
      title: 'Buy milk',
      due_date: '2030-02-15T09:00:00Z',
    });
    expect(status).toBe(201);
    const task = Task.parse(json);

    for (const tab of [tab1, tab2]) {
      const { message, receivedAt } = await tab.waitFor((m) => m.data.id === task.id, 2000);
      expect(receivedAt - sentAt).toBeLessThan(500);
      expect(message).toMatchObject({
        type: 'task.created',
        data: { id: task.id, title: 'Buy milk', completed: false, due_date: task.due_date },
        aggregate_version: 1,
      });
      tab.close();
    }

    // The envelope as stored and published: the seed's fields, validated by the contract.
    const [stored] = await userEvents(database.db, user.id);
    expect(EventEnvelope.parse(stored)).toMatchObject({
      event_type: 'task.created',
      aggregate_id: task.id,
      user_id: user.id,
    });
    const [message] = tab1.messages;
    expect(message?.message.event_id).toBe(stored?.event_id);
    expect(message?.message.correlation_id).toBe(stored?.correlation_id);
  });

  it('create, update, complete and delete arrive for the client to apply in version order', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const { json: task } = await user.call('POST', '/tasks', { title: 'v1' });
    await user.call('PATCH', `/tasks/${task.id}`, { title: 'v2' });
    await user.call('PATCH', `/tasks/${task.id}/complete`);
    await user.call('DELETE', `/tasks/${task.id}`);
    await socket.waitFor((m) => m.type === 'task.deleted' && m.data.id === task.id, 5000);
    await socket.waitFor((m) => m.type === 'task.completed' && m.data.id === task.id, 5000);
    const received = socket.messages
      .filter((m) => m.message.data.id === task.id)
      .map((m) => m.message);
    // Delivery may reorder across partitions or concurrent handlers; the version orders them.
    const applied = [...new Map(received.map((m) => [m.event_id, m])).values()].sort(
      (a, b) => a.aggregate_version - b.aggregate_version,
    );
    expect(applied.map((m) => [m.type, m.aggregate_version])).toEqual([
      ['task.created', 1],
      ['task.updated', 2],
      ['task.completed', 3],
      ['task.deleted', 4],
    ]);
    expect(applied.at(-1)?.data).toMatchObject({ title: 'v2', completed: true });
    socket.close();
  });

  it('the relay reports its published events and where its rounds spend their time on /metrics', async () => {
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const { json: task } = await user.call('POST', '/tasks', { title: 'measured' });
    await socket.waitFor((m) => m.type === 'task.created' && m.data.id === task.id, 5000);
    socket.close();
    const body = await (await fetch(`${fleet.api}/metrics`)).text();
    const value = (series: string) =>
      Number(new RegExp(`^${series}\\{[^}]*\\} (\\S+)$`, 'm').exec(body)?.[1] ?? Number.NaN);
    expect(value('taskflow_outbox_published_total')).toBeGreaterThanOrEqual(1);
    expect(value('taskflow_outbox_batch_size_count')).toBeGreaterThanOrEqual(1);
    for (const phase of ['begin', 'claim', 'publish', 'commit']) {
      expect(body).toMatch(
        new RegExp(
          `^taskflow_outbox_round_phase_seconds_count\\{[^}]*phase="${phase}"[^}]*\\} [1-9]`,
          'm',
        ),
      );
    }
  });
});
