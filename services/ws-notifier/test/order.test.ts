import { describe, expect, it } from 'vitest';
import type { EventEnvelope, WsServerMessage } from '@taskflow/contracts';
import { connect, eventIdOf, newUserId, startNotifier, taskEvent } from './harness.ts';

const HOLD_MS = 300;
const notifier = await startNotifier({ WS_ORDER_HOLD_MS: String(HOLD_MS) });

/** A task's four events, created -> updated -> completed -> deleted, versions 1-4. */
function lifeOf(userId: string): EventEnvelope[] {
  const id = crypto.randomUUID();
  const types = ['task.created', 'task.updated', 'task.completed', 'task.deleted'] as const;
  return types.map((type, i) => taskEvent(userId, { id, type, version: i + 1 }));
}

const versionsOf = (messages: WsServerMessage[]) =>
  messages.flatMap((m) => ('aggregate_version' in m ? [`${m.type}@${m.aggregate_version}`] : []));

async function metric(name: string): Promise<number> {
  const body = (await notifier.app.inject({ url: '/metrics' })).body;
  const line = body.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('each task’s events in version order, on every socket', () => {
  it('sends events that arrive out of order in version order, with no wait when the gap fills', async () => {
    const userId = newUserId();
    const tab = await connect(notifier, userId);
    const [created, updated, completed, deleted] = lifeOf(userId);
    const heldBefore = await metric('taskflow_ws_order_held_total');
    const startedAt = performance.now();
    await notifier.deliver(completed!, updated!, deleted!, created!);
    await tab.next((m) => eventIdOf(m) === deleted!.event_id);
    expect(performance.now() - startedAt).toBeLessThan(HOLD_MS);
    expect(versionsOf(tab.messages)).toEqual([
      'task.created@1',
      'task.updated@2',
      'task.completed@3',
      'task.deleted@4',
    ]);
    expect(await metric('taskflow_ws_order_held_total')).toBe(heldBefore + 3);
    tab.ws.close();
  });

  it('holds an event whose predecessor is missing, sends it when the hold expires, and never sends the straggler after it', async () => {
    const userId = newUserId();
    const tab = await connect(notifier, userId);
    const [created, updated, completed] = lifeOf(userId);
    const timeoutsBefore = await metric('taskflow_ws_order_gap_timeouts_total{reason="expired"');
    const lateBefore = await metric('taskflow_ws_order_late_total');
    await notifier.deliver(created!, completed!);
    const startedAt = performance.now();
    await tab.next((m) => eventIdOf(m) === completed!.event_id, 3 * HOLD_MS);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(HOLD_MS - 20);
    await notifier.deliver(updated!);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(versionsOf(tab.messages)).toEqual(['task.created@1', 'task.completed@3']);
    expect(await metric('taskflow_ws_order_gap_timeouts_total{reason="expired"')).toBe(
      timeoutsBefore + 1,
    );
    expect(await metric('taskflow_ws_order_late_total')).toBe(lateBefore + 1);
    expect(notifier.logs()).toContain('a missing task version did not come in time');
    tab.ws.close();
  });

  it('waits for the creation of a task created after it started, if updates come first', async () => {
    const userId = newUserId();
    const tab = await connect(notifier, userId);
    const [created, updated] = lifeOf(userId);
    await notifier.deliver(updated!);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(versionsOf(tab.messages)).toEqual([]);
    await notifier.deliver(created!);
    await tab.next((m) => eventIdOf(m) === updated!.event_id);
    expect(versionsOf(tab.messages)).toEqual(['task.created@1', 'task.updated@2']);
    tab.ws.close();
  });

  it('sends a redelivery neither live nor in a replay', async () => {
    const userId = newUserId();
    const tab = await connect(notifier, userId);
    const [created, updated, completed] = lifeOf(userId);
    await notifier.deliver(created!, completed!, completed!, updated!, updated!, created!);
    await tab.next((m) => eventIdOf(m) === completed!.event_id);
    await notifier.deliver(completed!);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(versionsOf(tab.messages)).toEqual([
      'task.created@1',
      'task.updated@2',
      'task.completed@3',
    ]);
    tab.ws.close();
  });

  it('replays in the order it sent: per task, by version', async () => {
    const userId = newUserId();
    const first = await connect(notifier, userId);
    const marker = taskEvent(userId, { title: 'seen' });
    await notifier.deliver(marker);
    await first.next((m) => eventIdOf(m) === marker.event_id);
    first.ws.close();
    await first.closed;

    const [a, b] = [lifeOf(userId), lifeOf(userId)];
    await notifier.deliver(a[1]!, b[2]!, a[0]!, b[0]!, a[3]!, b[1]!, a[2]!, b[3]!);
    const resumed = await connect(notifier, userId, { lastEventId: marker.event_id });
    await resumed.next((m) => m.type === 'hello');
    expect(resumed.messages[0]).toMatchObject({ replayed: 8 });
    await resumed.next(() => resumed.messages.length === 9);
    for (const life of [a, b]) {
      const ids = new Set(life.map((event) => event.event_id));
      const replayed = resumed.messages.filter((m) => ids.has(eventIdOf(m) ?? ''));
      expect(versionsOf(replayed)).toEqual([
        'task.created@1',
        'task.updated@2',
        'task.completed@3',
        'task.deleted@4',
      ]);
    }
    resumed.ws.close();
  });

  it('passes recurring.spawned and reminders through: they are notices, not task versions', async () => {
    const userId = newUserId();
    const tab = await connect(notifier, userId);
    // recurring.spawned carries the instance's id and version 1, as its task.created does.
    const created = taskEvent(userId);
    const spawned: EventEnvelope = {
      ...created,
      event_id: crypto.randomUUID(),
      event_type: 'recurring.spawned',
      data: {
        series_id: crypto.randomUUID(),
        instance_id: created.aggregate_id,
        occurrence_at: created.timestamp,
        next_occurrence: null,
        title: 'a task',
        due_date: null,
        project_id: null,
      },
    };
    await notifier.deliver(created, spawned);
    await tab.next((m) => eventIdOf(m) === spawned.event_id);
    expect(versionsOf(tab.messages)).toEqual(['task.created@1', 'recurring.spawned@1']);
    tab.ws.close();
  });
});
