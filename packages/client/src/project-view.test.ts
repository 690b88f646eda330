import { describe, expect, it } from 'vitest';
import type { Project, ProjectMember, WsProjectMessage } from '@taskflow/contracts';
import { ProjectView } from './project-view.ts';

const id = '0e6f3c1a-5b7d-4c2e-8f90-1a2b3c4d5e6f';
const at = '2026-01-01T00:00:00.000Z';
const member = (user_id: string, role: ProjectMember['role']): ProjectMember => ({
  user_id,
  role,
  added_at: at,
});

function project(version: number, members = [member('ann', 'owner')], name = 'Home'): Project {
  return { id, name, created_by: 'ann', members, version, created_at: at, updated_at: at };
}

function message(
  type: WsProjectMessage['type'],
  version: number,
  data: WsProjectMessage['data'],
): WsProjectMessage {
  return {
    type,
    data,
    timestamp: at,
    correlation_id: 'c',
    event_id: crypto.randomUUID(),
    aggregate_version: version,
  };
}

describe('ProjectView', () => {
  it('applies project and membership events by version, whatever order they arrive in', () => {
    const view = new ProjectView('bob');
    const bob = member('bob', 'editor');
    const two = project(2, [member('ann', 'owner'), bob]);
    expect(view.apply(message('project.member_added', 2, { project: two, member: bob }))).toBe(
      'applied',
    );
    expect(view.apply(message('project.created', 1, project(1)))).toBe('stale');
    expect(view.get(id)?.version).toBe(2);
    expect(view.roleIn(id)).toBe('editor');

    const renamed = project(3, two.members, 'House');
    expect(view.apply(message('project.updated', 3, renamed))).toBe('applied');
    expect(view.list().map((p) => p.name)).toEqual(['House']);
  });

  it("drops a project on the user's own removal and on deletion, and keeps it gone", () => {
    const view = new ProjectView('bob');
    const bob = member('bob', 'viewer');
    view.replace([project(2, [member('ann', 'owner'), bob])]);
    expect(view.roleIn(id)).toBe('viewer');

    // Someone else's removal changes the members only.
    const carol = member('carol', 'viewer');
    view.apply(
      message('project.member_removed', 3, {
        project: project(3, [member('ann', 'owner'), bob]),
        member: carol,
      }),
    );
    expect(view.size).toBe(1);

    view.apply(message('project.member_removed', 4, { project: project(4), member: bob }));
    expect(view.size).toBe(0);
    expect(view.roleIn(id)).toBeUndefined();
    // A late event from before the removal cannot bring it back; a new invitation does.
    expect(
      view.apply(message('project.updated', 3, project(3, [member('ann', 'owner'), bob]))),
    ).toBe('stale');
    expect(view.size).toBe(0);
    const again = project(5, [member('ann', 'owner'), bob]);
    expect(view.apply(message('project.member_added', 5, { project: again, member: bob }))).toBe(
      'applied',
    );
    expect(view.size).toBe(1);

    expect(view.apply(message('project.deleted', 6, again))).toBe('applied');
    expect(view.size).toBe(0);
  });

  it('keeps the newer of its own writes and the events, and forgets what it deleted', () => {
    const view = new ProjectView('ann');
    expect(view.upsert(project(2))).toBe('applied');
    expect(view.upsert(project(1))).toBe('stale');
    expect(view.forget(id)).toBe(true);
    expect(view.apply(message('project.updated', 2, project(2)))).toBe('stale');
    expect(view.forget(id)).toBe(false);
  });
});
