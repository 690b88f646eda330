import { describe, expect, it } from 'vitest';
import {
  ErrorBody,
  EventEnvelope,
  PROJECT_MEMBERS_MAX,
  Project,
  ProjectList,
  Task,
  TaskList,
  type ProjectRole,
} from '@taskflow/contracts';
import { aggregateEvents, taskReminders } from '@taskflow/db';
import { expectAnswer, startApi } from './api.ts';

const api = await startApi();

type User = Awaited<ReturnType<typeof api.newUser>>;

const ok = <T>(
  parse: { parse(value: unknown): T },
  user: User,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  status?: number,
) => expectAnswer(api, parse, user, method, path, body, status);

const newProject = (owner: User, name = 'Home') =>
  ok(Project, owner, 'POST', '/projects', { name });

async function share(owner: User, project: Project, member: User, role: ProjectRole) {
  return ok(Project, owner, 'PUT', `/projects/${project.id}/members/${member.id}`, { role }, 201);
}

const createIn = (user: User, project: Project, title: string) =>
  ok(Task, user, 'POST', '/tasks', { title, project_id: project.id });

/** Every event of one aggregate (a task or a project), in order, as published. */
const eventsOf = async (aggregateId: string) =>
  (await aggregateEvents(api.database.db, aggregateId)).map((event) => EventEnvelope.parse(event));

describe('projects', () => {
  it('are created with their creator as the one owner, and listed to members only', async () => {
    const [alice, bob] = [await api.newUser(), await api.newUser()];
    const project = await newProject(alice, '  Garden  ');
    expect(project).toMatchObject({
      name: 'Garden',
      created_by: alice.id,
      members: [{ user_id: alice.id, role: 'owner' }],
      version: 1,
    });
    expect((await ok(ProjectList, alice, 'GET', '/projects')).items.map((p) => p.id)).toEqual([
      project.id,
    ]);
    expect((await ok(ProjectList, bob, 'GET', '/projects')).items).toEqual([]);
    const [created] = await eventsOf(project.id);
    expect(created).toMatchObject({ event_type: 'project.created', audience: [alice.id] });
  });

  it("share a project's tasks with every member, through each member's own path", async () => {
    const [alice, bob, carol] = [await api.newUser(), await api.newUser(), await api.newUser()];
    const project = await newProject(alice);
    await share(alice, project, bob, 'editor');
    const mine = await ok(Task, alice, 'POST', '/tasks', { title: 'private' });
    const shared = await createIn(bob, project, 'shared by bob');
    expect(shared).toMatchObject({ user_id: bob.id, project_id: project.id });

    const listed = async (user: User, query = '') =>
      (await ok(TaskList, user, 'GET', `/tasks${query}`)).items.map((t) => t.title);
    expect(await listed(alice)).toEqual(['shared by bob', 'private']);
    expect(await listed(bob)).toEqual(['shared by bob']);
    expect(await listed(alice, `?project=${project.id}`)).toEqual(['shared by bob']);
    expect(await listed(alice, '?project=none')).toEqual(['private']);
    expect(await listed(carol)).toEqual([]);
    await ok(Task, alice, 'GET', `/tasks/${shared.id}`);
    expect(
      (await api.call('GET', `/api/${bob.id}/tasks/${mine.id}`, { token: bob.token })).statusCode,
    ).toBe(404);
    const tags = await ok(
      { parse: (v: unknown) => v as { items: unknown[] } },
      alice,
      'GET',
      '/tags',
    );
    expect(tags.items).toEqual([]);

    // Every member receives the task's events: the audience is the members at the commit.
    const [created] = await eventsOf(shared.id);
    expect(created).toMatchObject({ user_id: bob.id, audience: [alice.id, bob.id].sort() });
    const edited = await ok(Task, alice, 'PATCH', `/tasks/${shared.id}`, {
      title: 'edited by alice',
    });
    expect(edited).toMatchObject({ version: 2, user_id: bob.id });
    const [, updated] = await eventsOf(shared.id);
    expect(updated).toMatchObject({ user_id: bob.id, audience: [alice.id, bob.id].sort() });
    // A private task's events name no audience: its user alone.
    expect((await eventsOf(mine.id))[0]!.audience).toBeUndefined();
  });

  it('answers a project list of another user with 404, and an unknown project too', async () => {
    const [alice, bob] = [await api.newUser(), await api.newUser()];
    const project = await newProject(alice);
    for (const path of [
      `/tasks?project=${project.id}`,
      `/projects/${project.id}`,
      `/tasks?project=${crypto.randomUUID()}`,
    ]) {
      const response = await api.call('GET', `/api/${bob.id}${path}`, { token: bob.token });
      expect(response.statusCode, path).toBe(404);
      expect(ErrorBody.parse(response.json()).error.code).toBe('not_found');
    }
  });

  it('manage members: add, change a role, remove; every change is a version and an event', async () => {
    const [alice, bob] = [await api.newUser(), await api.newUser()];
    const project = await newProject(alice);
    const added = await share(alice, project, bob, 'viewer');
    expect(added.members.map((m) => [m.user_id, m.role])).toEqual(
      [
        [alice.id, 'owner'],
        [bob.id, 'viewer'],
      ].sort(([a], [b]) => a!.localeCompare(b!)),
    );
    const path = `/projects/${project.id}/members/${bob.id}`;
    const changed = await ok(Project, alice, 'PUT', path, { role: 'editor' });
    expect(changed.version).toBe(3);
    // The same role again changes nothing.
    expect((await ok(Project, alice, 'PUT', path, { role: 'editor' })).version).toBe(3);
    const removed = await api.call('DELETE', `/api/${alice.id}${path}`, { token: alice.token });
    expect(removed.statusCode).toBe(204);
    const events = await eventsOf(project.id);
    expect(events.map((e) => e.event_type)).toEqual([
      'project.created',
      'project.member_added',
      'project.member_updated',
      'project.member_removed',
    ]);
    expect(events.map((e) => e.aggregate_version)).toEqual([1, 2, 3, 4]);
    const last = events.at(-1)!;
    // The removed member hears of it; the project no longer lists them.
    expect(last.audience).toEqual([alice.id, bob.id].sort());
    expect(last.data).toMatchObject({ member: { user_id: bob.id, role: 'editor' } });
    expect((last.data as { project: Project }).project.members.map((m) => m.user_id)).toEqual([
      alice.id,
    ]);
  });

  it('lets a member leave, but never the last owner', async () => {
    const [alice, bob] = [await api.newUser(), await api.newUser()];
    const project = await newProject(alice);
    await share(alice, project, bob, 'viewer');
    const leave = (user: User) =>
      api.call('DELETE', `/api/${user.id}/projects/${project.id}/members/${user.id}`, {
        token: user.token,
      });
    expect((await leave(bob)).statusCode).toBe(204);
    const last = await leave(alice);
    expect(last.statusCode).toBe(409);
    expect(ErrorBody.parse(last.json()).error.code).toBe('conflict');
    const demote = await api.call(
      'PUT',
      `/api/${alice.id}/projects/${project.id}/members/${alice.id}`,
      { token: alice.token, body: { role: 'editor' } },
    );
    expect(demote.statusCode).toBe(409);
    // With a second owner, the first may step down.
    await share(alice, project, bob, 'owner');
    await ok(Project, alice, 'PUT', `/projects/${project.id}/members/${alice.id}`, {
      role: 'editor',
    });
  });

  it(`holds at most ${PROJECT_MEMBERS_MAX} members`, async () => {
    const alice = await api.newUser();
    const project = await newProject(alice);
    for (let i = 1; i < PROJECT_MEMBERS_MAX; i++) {
      await ok(
        Project,
        alice,
        'PUT',
        `/projects/${project.id}/members/m${i}-${project.id}`,
        { role: 'viewer' },
        201,
      );
    }
    const over = await api.call(
      'PUT',
      `/api/${alice.id}/projects/${project.id}/members/one-too-many`,
      { token: alice.token, body: { role: 'viewer' } },
    );
    expect(over.statusCode).toBe(409);
  });

  it('renames (owners only) and deletes with its tasks, each with its task.deleted', async () => {
    const [alice, bob] = [await api.newUser(), await api.newUser()];
    const project = await newProject(alice);
    await share(alice, project, bob, 'editor');
    const renamed = await ok(Project, alice, 'PATCH', `/projects/${project.id}`, { name: 'Work' });
    expect(renamed).toMatchObject({ name: 'Work', version: 3 });
    const task = await createIn(bob, project, 'goes with it');
    const reminder = await api.call('POST', `/api/${bob.id}/tasks/${task.id}/reminders`, {
      token: bob.token,
      body: { remind_at: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(reminder.statusCode, reminder.body).toBe(201);
    const gone = await api.call('DELETE', `/api/${alice.id}/projects/${project.id}`, {
      token: alice.token,
    });
    expect(gone.statusCode).toBe(204);
    expect(
      (await api.call('GET', `/api/${bob.id}/tasks/${task.id}`, { token: bob.token })).statusCode,
    ).toBe(404);
    const [, deleted] = await eventsOf(task.id);
    expect(deleted).toMatchObject({ event_type: 'task.deleted', aggregate_version: 2 });
    expect(deleted!.audience).toEqual([alice.id, bob.id].sort());
    expect((await eventsOf(project.id)).at(-1)).toMatchObject({
      event_type: 'project.deleted',
      aggregate_version: 4,
    });
    expect((await ok(ProjectList, bob, 'GET', '/projects')).items).toEqual([]);
  });
});

describe('creates in projects, all at once', () => {
  it('share one transaction per batch, and each create still gets its own answer', async () => {
    const [owner, editor, viewer, stranger] = [
      await api.newUser(),
      await api.newUser(),
      await api.newUser(),
      await api.newUser(),
    ];
    const [home, work] = [await newProject(owner, 'Home'), await newProject(owner, 'Work')];
    await share(owner, home, editor, 'editor');
    await share(owner, work, editor, 'editor');
    await share(owner, home, viewer, 'viewer');
    const attempts: Array<[User, Project, number]> = [];
    for (let i = 0; i < 20; i++) {
      attempts.push([editor, i % 2 ? home : work, 201], [owner, home, 201]);
      attempts.push([viewer, home, 403], [stranger, work, 404]);
    }
    const answers = await Promise.all(
      attempts.map(([user, project], i) =>
        api.call('POST', `/api/${user.id}/tasks`, {
          token: user.token,
          body: { title: `task ${i}`, project_id: project.id },
        }),
      ),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual(
      attempts.map(([, , status]) => status),
    );
    const made = answers
      .filter((answer) => answer.statusCode === 201)
      .map((a) => Task.parse(a.json()));
    expect(made).toHaveLength(40);
    // Each written once, with its event naming the project's members at its commit.
    for (const task of made) {
      const [event, ...more] = await eventsOf(task.id);
      expect(more).toEqual([]);
      const members = task.project_id === home.id ? [editor, owner, viewer] : [editor, owner];
      expect(event!.audience).toEqual(members.map((m) => m.id).sort());
    }
    const list = await ok(TaskList, editor, 'GET', `/tasks?project=${home.id}&limit=200`);
    expect(list.items).toHaveLength(30);
  });
});

describe('moving tasks', () => {
  it('into a project and between projects: both ends must be the mover’s to edit', async () => {
    const [alice, bob] = [await api.newUser(), await api.newUser()];
    const home = await newProject(alice, 'Home');
    const work = await newProject(bob, 'Work');
    await share(bob, work, alice, 'viewer');
    const task = await ok(Task, alice, 'POST', '/tasks', { title: 'mine' });
    const moved = await ok(Task, alice, 'PATCH', `/tasks/${task.id}`, { project_id: home.id });
    expect(moved).toMatchObject({ project_id: home.id, version: 2 });
    // A viewer of the destination may not move a task there.
    const refused = await api.call('PATCH', `/api/${alice.id}/tasks/${task.id}`, {
      token: alice.token,
      body: { project_id: work.id },
    });
    expect(refused.statusCode).toBe(403);
    // A project that is not theirs does not exist for them.
    const unknown = await api.call('PATCH', `/api/${alice.id}/tasks/${task.id}`, {
      token: alice.token,
      body: { project_id: crypto.randomUUID() },
    });
    expect(unknown.statusCode).toBe(404);
    // PUT without project_id leaves it where it is.
    const replaced = await ok(Task, alice, 'PUT', `/tasks/${task.id}`, { title: 'still home' });
    expect(replaced.project_id).toBe(home.id);
  });

  it('out of a project: for its creator only; it is then theirs alone, and the others hear it', async () => {
    const [alice, bob] = [await api.newUser(), await api.newUser()];
    const project = await newProject(alice);
    await share(alice, project, bob, 'editor');
    const task = await createIn(bob, project, 'by bob');
    const byAlice = await api.call('PATCH', `/api/${alice.id}/tasks/${task.id}`, {
      token: alice.token,
      body: { project_id: null },
    });
    expect(byAlice.statusCode).toBe(403);
    const out = await ok(Task, bob, 'PATCH', `/tasks/${task.id}`, { project_id: null });
    expect(out.project_id).toBeNull();
    expect(
      (await api.call('GET', `/api/${alice.id}/tasks/${task.id}`, { token: alice.token }))
        .statusCode,
    ).toBe(404);
    const moveEvent = (await eventsOf(task.id)).at(-1)!;
    expect(moveEvent.audience).toEqual([alice.id, bob.id].sort());
  });
});

describe('reminders on a shared task', () => {
  it("are each member's own: set by anyone who sees it, fired to its setter, gone with them", async () => {
    const [alice, bob] = [await api.newUser(), await api.newUser()];
    const project = await newProject(alice);
    await share(alice, project, bob, 'viewer');
    const task = await createIn(alice, project, 'shared');
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const set = (user: User) =>
      api.call('POST', `/api/${user.id}/tasks/${task.id}/reminders`, {
        token: user.token,
        body: { remind_at: at },
      });
    // Both at the same instant: one each.
    expect((await set(alice)).statusCode).toBe(201);
    expect((await set(bob)).statusCode).toBe(201);
    const listOf = async (user: User) =>
      (
        (
          await api.call('GET', `/api/${user.id}/tasks/${task.id}/reminders`, { token: user.token })
        ).json() as {
          items: unknown[];
        }
      ).items.length;
    expect([await listOf(alice), await listOf(bob)]).toEqual([1, 1]);
    // Removed from the project, bob's reminders on its tasks go.
    await api.call('DELETE', `/api/${alice.id}/projects/${project.id}/members/${bob.id}`, {
      token: alice.token,
    });
    expect(await taskReminders(api.database.db, bob.id, task.id)).toEqual([]);
    expect(await taskReminders(api.database.db, alice.id, task.id)).toHaveLength(1);
  });
});
