import { describe, expect, it } from 'vitest';
import { freshTask, type Project, type Task } from '@taskflow/contracts';
import {
  compareMembers,
  compareProject,
  compareTask,
  describeMemberChange,
  MEMBER_FIELDS,
  PROJECT_FIELDS,
  TASK_FIELDS,
} from './compare.ts';

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

const project: Project = {
  id: '5a4c1d2e-3f40-4b5c-8d6e-7f8091a2b3c4',
  name: 'Home',
  created_by: 'alice',
  members: [
    { user_id: 'alice', role: 'owner', added_at: '2026-11-28T20:00:00.000Z' },
    { user_id: 'bob', role: 'editor', added_at: '2026-11-28T20:00:05.000Z' },
  ],
  version: 2,
  created_at: '2026-11-28T20:00:00.000Z',
  updated_at: '2026-11-28T20:00:05.000Z',
};

describe('compareProject', () => {
  it('compares every field of the contract but the members', () => {
    expect(PROJECT_FIELDS).toEqual([
      'id',
      'name',
      'created_by',
      'version',
      'created_at',
      'updated_at',
    ]);
    expect(compareProject({ ...project, members: [] }, project)).toEqual([]);
  });

  it('names each differing field with both values, instants as instants', () => {
    const row = { ...project, name: 'Work', created_by: 'bob', version: 3 };
    expect(compareProject({ ...project }, row)).toEqual([
      { field: 'name', expected: 'Home', actual: 'Work' },
      { field: 'created_by', expected: 'alice', actual: 'bob' },
      { field: 'version', expected: 2, actual: 3 },
    ]);
    expect(compareProject({ ...project, updated_at: '2026-11-28T20:00:05Z' }, project)).toEqual([]);
    expect(compareProject({ ...project, updated_at: '2026-11-28T20:00:05.001Z' }, project)).toEqual(
      [
        {
          field: 'updated_at',
          expected: '2026-11-28T20:00:05.001Z',
          actual: '2026-11-28T20:00:05.000Z',
        },
      ],
    );
  });
});

describe('compareMembers', () => {
  const [alice, bob] = project.members as [Project['members'][0], Project['members'][0]];

  it('compares role and added_at, by user id, in any order', () => {
    expect(MEMBER_FIELDS).toEqual(['role', 'added_at']);
    expect(compareMembers([alice, bob], [bob, alice])).toEqual([]);
    expect(compareMembers([{ ...bob, added_at: '2026-11-28T20:00:05Z' }], [bob])).toEqual([]);
  });

  it('finds a member missing, one not expected and a changed role', () => {
    const carol = { user_id: 'carol', role: 'viewer', added_at: bob.added_at };
    const differences = compareMembers([alice, bob], [{ ...alice, role: 'viewer' }, carol]);
    expect(differences).toEqual([
      {
        kind: 'member_field',
        memberId: 'alice',
        field: 'role',
        expected: 'owner',
        actual: 'viewer',
      },
      { kind: 'member_missing', memberId: 'bob', role: 'editor' },
      { kind: 'member_unknown', memberId: 'carol', role: 'viewer' },
    ]);
    expect(differences.map(describeMemberChange)).toEqual([
      'alice\'s role "viewer", not "owner"',
      'bob (editor) missing',
      'carol (viewer) not expected',
    ]);
  });
});
