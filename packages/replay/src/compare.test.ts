import { describe, expect, it } from 'vitest';
import { freshTask, type Task } from '@taskflow/contracts';
import { compareTask, TASK_FIELDS } from './compare.ts';

const task: Task = {
  ...freshTask(
    { id: '0b8f7c36-6a43-4d4c-9d37-2f1f0e0e0c01', user_id: 'alice', title: 'Buy milk' },
    '2026-11-28T20:00:00.000Z',
  ),
  due_date: '2030-01-01T09:00:00.000Z',
  version: 2,
  updated_at: '2026-11-28T20:00:01.000Z',
};

describe('compareTask', () => {
  it('finds nothing between equal tasks', () => {
    expect(compareTask({ ...task }, task)).toEqual([]);
  });

  it('compares every field of the contract', () => {
    expect(TASK_FIELDS).toContain('occurrence_at');
    expect(TASK_FIELDS).toHaveLength(Object.keys(task).length);
  });

  it('names each differing field with both values', () => {
    const row = { ...task, title: 'Buy bread', completed: true, version: 3 };
    expect(compareTask({ ...task }, row)).toEqual([
      { field: 'title', expected: 'Buy milk', actual: 'Buy bread' },
      { field: 'completed', expected: false, actual: true },
      { field: 'version', expected: 2, actual: 3 },
    ]);
  });

  it('compares instants as instants, not as text', () => {
    expect(compareTask({ ...task, due_date: '2030-01-01T09:00:00Z' }, task)).toEqual([]);
    expect(compareTask({ ...task, due_date: '2030-01-01T09:00:00.001Z' }, task)).toHaveLength(1);
    expect(compareTask({ ...task, due_date: null }, task)).toHaveLength(1);
  });

  it('reports a field the event lacks', () => {
    const { description: _, ...partial } = task;
    expect(compareTask(partial, task)).toEqual([
      { field: 'description', expected: undefined, actual: null },
    ]);
  });

  it('takes priority and tags an older event lacks as none, and compares tags as lists', () => {
    const { priority: _p, tags: _t, ...older } = task;
    expect(compareTask(older, task)).toEqual([]);
    expect(compareTask(older, { ...task, priority: 2, tags: ['home'] })).toEqual([
      { field: 'priority', expected: null, actual: 2 },
      { field: 'tags', expected: [], actual: ['home'] },
    ]);
    const tagged = { ...task, tags: ['a', 'b'] };
    expect(compareTask({ ...tagged, tags: ['a', 'b'] }, tagged)).toEqual([]);
    expect(compareTask({ ...tagged, tags: ['b', 'a'] }, tagged)).toHaveLength(1);
  });
});
