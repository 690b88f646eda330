import { describe, expect, it } from 'vitest';
import { freshTask, type Task, type WsMessage } from '@taskflow/contracts';
import { TaskView } from './task-view.ts';

const id = '7f1c7c9e-7a55-4c1a-9d4f-2d5c6b7a8e90';

function task(version: number, overrides: Partial<Task> = {}): Task {
  return {
    ...freshTask({ id, user_id: 'u1', title: `v${version}` }, '2026-01-01T00:00:00.000Z'),
    version,
    ...overrides,
  };
}

function message(
  type: WsMessage['type'],
  version: number,
  data: object = task(version),
): WsMessage {
  return {
    type,
    data: data as WsMessage['data'],
    timestamp: '2026-01-01T00:00:00.000Z',
    correlation_id: 'c',
    event_id: crypto.randomUUID(),
    aggregate_version: version,
  };
}

describe('TaskView', () => {
  it('applies events in version order whatever order they arrive in', () => {
    const view = new TaskView();
    expect(view.apply(message('task.updated', 3))).toBe('applied');
    expect(view.apply(message('task.created', 1))).toBe('stale');
    expect(view.apply(message('task.updated', 2))).toBe('stale');
    expect(view.get(id)?.title).toBe('v3');
    expect(view.apply(message('task.completed', 4, task(4, { completed: true })))).toBe('applied');
    expect(view.get(id)).toMatchObject({ completed: true, version: 4 });
  });

  it('keeps a deleted task deleted when an older event comes late', () => {
    const view = new TaskView();
    view.apply(message('task.created', 1));
    expect(view.apply(message('task.deleted', 3))).toBe('applied');
    expect(view.get(id)).toBeUndefined();
    expect(view.apply(message('task.updated', 2))).toBe('stale');
    expect(view.size).toBe(0);
  });

  it('treats reminders and spawn notices as notifications, not state', () => {
    const view = new TaskView();
    const reminder = { id, title: 'Call', completed: false, due_date: null, reminder_id: id };
    expect(view.apply(message('reminder', 1, reminder))).toBe('ignored');
    expect(view.apply(message('recurring.spawned', 1, reminder))).toBe('ignored');
    expect(view.size).toBe(0);
  });

  it('replaces everything with a snapshot, and keeps newer versions than what a write returns', () => {
    const view = new TaskView();
    view.apply(message('task.created', 1));
    view.replace([task(2, { id: crypto.randomUUID() })]);
    expect(view.get(id)).toBeUndefined();
    expect(view.size).toBe(1);
    view.apply(message('task.updated', 5));
    expect(view.upsert(task(4))).toBe('stale');
    expect(view.upsert(task(6))).toBe('applied');
  });

  it('lists newest first', () => {
    const view = new TaskView();
    const older = task(1, { id: crypto.randomUUID(), created_at: '2026-01-01T00:00:00.000Z' });
    const newer = task(1, { id: crypto.randomUUID(), created_at: '2026-01-02T00:00:00.000Z' });
    view.replace([older, newer]);
    expect(view.list().map((t) => t.id)).toEqual([newer.id, older.id]);
  });
});
