import { describe, expect, it } from 'vitest';
import type { StoredAggregateEvent } from '@taskflow/db';
import { ANOMALIES_KEPT, foldEvent, type AggregateFold } from './fold.ts';

const ID = '0b8f7c36-6a43-4d4c-9d37-2f1f0e0e0c01';
let seq = 0;

/** A task event as a correct writer appends it: data is the task at that version. */
function event(
  type: string,
  version: number,
  data: Record<string, unknown> = {},
): StoredAggregateEvent {
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

const fold = (events: StoredAggregateEvent[]) =>
  events.reduce<AggregateFold | undefined>((state, e) => foldEvent(state, e), undefined)!;

describe('foldEvent: a task', () => {
  it('leaves the task as the last event carries it', () => {
    const state = fold([
      event('task.created', 1),
      event('task.updated', 2),
      event('task.completed', 3, { completed: true }),
    ]);
    expect(state).toMatchObject({ deleted: false, version: 3, events: 3, anomalies: [] });
    expect(state.state).toMatchObject({ title: 'v3', completed: true });
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

const PROJECT = '5a4c1d2e-3f40-4b5c-8d6e-7f8091a2b3c4';
const at = (second: number) => `2026-11-28T20:00:${String(second).padStart(2, '0')}.000Z`;
const alice = { user_id: 'alice', role: 'owner', added_at: at(0) };
const bob = { user_id: 'bob', role: 'editor', added_at: at(2) };

/** The project at a version, as task-api writes it into its events. */
const project = (version: number, members: object[], fields: Record<string, unknown> = {}) => ({
  id: PROJECT,
  name: `p${version}`,
  created_by: 'alice',
  members,
  version,
  created_at: at(0),
  updated_at: at(version),
  ...fields,
});

function projectEvent(type: string, version: number, data: unknown): StoredAggregateEvent {
  return {
    seq: ++seq,
    eventId: crypto.randomUUID(),
    eventType: type,
    userId: 'alice',
    aggregateId: PROJECT,
    aggregateVersion: version,
    data,
  };
}

const created = () => projectEvent('project.created', 1, project(1, [alice]));
const renamed = (version: number, members: object[]) =>
  projectEvent('project.updated', version, project(version, members));
const membership = (type: string, version: number, members: object[], member: object) =>
  projectEvent(`project.member_${type}`, version, { project: project(version, members), member });

describe('foldEvent: a project', () => {
  it('follows its members through every kind of event, to its deletion', () => {
    const viewer = { ...bob, role: 'viewer' };
    const history = [
      created(),
      membership('added', 2, [alice, bob], bob),
      membership('updated', 3, [alice, viewer], viewer),
      renamed(4, [alice, viewer]),
    ];
    const live = fold(history);
    expect(live).toMatchObject({ kind: 'project', deleted: false, version: 4, anomalies: [] });
    expect(live.state).toMatchObject({ name: 'p4', members: [alice, viewer] });

    const gone = fold([
      ...history,
      membership('removed', 5, [alice], viewer),
      projectEvent('project.deleted', 6, project(6, [alice])),
    ]);
    expect(gone).toMatchObject({ deleted: true, version: 6, anomalies: [] });
    expect(gone.state).toMatchObject({ members: [alice] });
  });

  it('takes members in any order', () => {
    const carol = { user_id: 'carol', role: 'viewer', added_at: at(3) };
    const state = fold([
      created(),
      membership('added', 2, [alice, bob], bob),
      membership('added', 3, [carol, bob, alice], carol),
    ]);
    expect(state.anomalies).toEqual([]);
  });

  it.each([
    [
      'a history that does not start with project.created',
      [membership('added', 1, [alice, bob], bob)],
      'the history starts with project.member_added, not project.created',
    ],
    ['a gap in the versions', [created(), renamed(3, [alice])], 'version 3 follows version 1'],
    [
      'an event after the deletion',
      [created(), projectEvent('project.deleted', 2, project(2, [alice])), renamed(3, [alice])],
      'project.updated after project.deleted',
    ],
    [
      'a second creation',
      [created(), projectEvent('project.created', 2, project(2, [alice]))],
      'project.created of a project that exists',
    ],
    [
      'an unknown project event',
      [created(), projectEvent('project.archived', 2, project(2, [alice]))],
      'unknown project event type project.archived',
    ],
    [
      'a task event in a project history',
      [created(), projectEvent('task.updated', 2, project(2, [alice]))],
      'unknown project event type task.updated',
    ],
    [
      "a membership's project of another version",
      [
        created(),
        projectEvent('project.member_added', 2, { project: project(9, [alice, bob]), member: bob }),
      ],
      "data.project.version 9 is not the event's version",
    ],
    [
      'data of another creator',
      [projectEvent('project.created', 1, project(1, [alice], { created_by: 'bob' }))],
      "data.created_by bob is not the event's user",
    ],
    [
      'a membership event without its project',
      [created(), projectEvent('project.member_added', 2, { member: bob })],
      'data.project is not an object',
    ],
    [
      'a membership event without its member',
      [created(), projectEvent('project.member_added', 2, { project: project(2, [alice, bob]) })],
      'data.member is no member',
    ],
    [
      'a project born with more than its creator',
      [projectEvent('project.created', 1, project(1, [alice, bob]))],
      "data.members are not the members before with this event's change: bob (editor) not expected",
    ],
    [
      'a member who appears with a rename',
      [created(), renamed(2, [alice, bob])],
      "data.members are not the members before with this event's change: bob (editor) not expected",
    ],
    [
      'a member who vanishes without an event',
      [created(), membership('added', 2, [alice, bob], bob), renamed(3, [alice])],
      "data.members are not the members before with this event's change: bob (editor) missing",
    ],
    [
      'an addition of a member',
      [created(), membership('added', 2, [alice], alice)],
      'project.member_added of alice, a member already',
    ],
    [
      'a removal of no member',
      [created(), membership('removed', 2, [alice], bob)],
      'project.member_removed of bob, who is no member',
    ],
    [
      'a change to the role the member has',
      [
        created(),
        membership('added', 2, [alice, bob], bob),
        membership('updated', 3, [alice, bob], bob),
      ],
      'project.member_updated of bob to the role editor they have',
    ],
    [
      'a change of role that moves added_at',
      [
        created(),
        membership('added', 2, [alice, bob], bob),
        membership('updated', 3, [alice, { ...bob, role: 'viewer', added_at: at(9) }], {
          ...bob,
          role: 'viewer',
        }),
      ],
      `data.project.members are not the members before with this event's change: bob's added_at "${at(9)}", not "${at(2)}"`,
    ],
  ])('reports %s', (_, events, message) => {
    expect(fold(events).anomalies.map((a) => a.message)).toContain(message);
  });

  it('a project event in a task history is no task event', () => {
    const stray = { ...projectEvent('project.updated', 2, {}), aggregateId: ID };
    const state = fold([event('task.created', 1), stray]);
    expect(state.kind).toBe('task');
    expect(state.anomalies.map((a) => a.message)).toContain(
      'unknown task event type project.updated',
    );
  });
});
