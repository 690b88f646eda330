import { describe, expect, it } from 'vitest';
import type { StoredTaskEvent } from '@taskflow/db';
import { ANOMALIES_KEPT, foldEvent, type TaskFold } from './fold.ts';

const ID = '0b8f7c36-6a43-4d4c-9d37-2f1f0e0e0c01';
let seq = 0;

/** A task event as a correct writer appends it: data is the task at that version. */
function event(type: string, version: number, data: Record<string, unknown> = {}): StoredTaskEvent {
  return {
    seq: ++seq,
    eventId: crypto.randomUUID(),
    eventType: type,
    userId: 'alice',
    aggregateId: ID,
    aggregateVersion: version,
    data: { id: ID, user_id: 'alice', version, title: `v${version}`, ...data },
  };
}

const fold = (events: StoredTaskEvent[]) =>
  events.reduce<TaskFold | undefined>((state, e) => foldEvent(state, e), undefined)!;

describe('foldEvent', () => {
  it('leaves the task as the last event carries it', () => {
    const state = fold([
      event('task.created', 1),
      event('task.updated', 2),
      event('task.completed', 3, { completed: true }),
    ]);
    expect(state).toMatchObject({ deleted: false, version: 3, events: 3, anomalies: [] });
    expect(state.task).toMatchObject({ title: 'v3', completed: true });
  });

  it('a task whose last event is task.deleted has no row', () => {
    const state = fold([event('task.created', 1), event('task.deleted', 2)]);
    expect(state).toMatchObject({ deleted: true, version: 2, anomalies: [] });
  });

  it.each([
    [
      'a history that does not start with task.created',
      [event('task.updated', 1)],
      'the history starts with task.updated, not task.created',
    ],
    [
      'a gap in the versions',
      [event('task.created', 1), event('task.updated', 3)],
      'version 3 follows version 1',
    ],
    [
      'the same version twice',
      [event('task.created', 1), event('task.updated', 1)],
      'version 1 follows version 1',
    ],
    [
      'an event after the deletion',
      [event('task.created', 1), event('task.deleted', 2), event('task.updated', 3)],
      'task.updated after task.deleted',
    ],
    [
      'a second creation',
      [event('task.created', 1), event('task.created', 2)],
      'task.created of a task that exists',
    ],
    [
      'an unknown task event',
      [event('task.created', 1), event('task.archived', 2)],
      'unknown task event type task.archived',
    ],
    [
      'data of another version',
      [event('task.created', 1, { version: 7 })],
      "data.version 7 is not the event's version",
    ],
    [
      'data of another task',
      [event('task.created', 1, { id: 'other' })],
      'data.id other is not the aggregate id',
    ],
  ])('reports %s', (_, events, message) => {
    expect(fold(events).anomalies.map((a) => a.message)).toContain(message);
  });

  it('names the event of each anomaly', () => {
    const bad = event('task.updated', 5);
    const state = fold([event('task.created', 1), bad]);
    expect(state.anomalies).toEqual([
      { seq: bad.seq, eventId: bad.eventId, message: 'version 5 follows version 1' },
    ]);
  });

  it('keeps a bounded number of anomalies and counts the rest', () => {
    const events = [event('task.created', 1)];
    for (let i = 0; i < 50; i++) events.push(event('task.updated', 1));
    const state = fold(events);
    expect(state.anomalies).toHaveLength(ANOMALIES_KEPT);
    expect(state.moreAnomalies).toBe(50 - ANOMALIES_KEPT);
  });
});
