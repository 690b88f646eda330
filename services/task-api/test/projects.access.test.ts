import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, Project, Task } from '@taskflow/contracts';
import { startApi } from './api.ts';

// Who may NOT call each route of a shared project: a non-member, a member removed, a viewer
// writing, an editor managing the project. Each route is tried by each of them against one
// project and one of its tasks; what they are refused with is the point.

const api = await startApi();

type User = Awaited<ReturnType<typeof api.newUser>>;
type Kind = 'read' | 'task-write' | 'manage';

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: (ids: { project: string; task: string; member: string }) => string;
  body?: unknown;
  kind: Kind;
}

const soon = () => new Date(Date.now() + 3_600_000).toISOString();

const routes: Route[] = [
  { method: 'GET', path: ({ task }) => `/tasks/${task}`, kind: 'read' },
  { method: 'GET', path: ({ project }) => `/tasks?project=${project}`, kind: 'read' },
  { method: 'GET', path: ({ project }) => `/projects/${project}`, kind: 'read' },
  { method: 'GET', path: ({ task }) => `/tasks/${task}/reminders`, kind: 'read' },
  {
    method: 'POST',
    path: () => '/tasks',
    body: (ids: { project: string }) => ({ title: 'new', project_id: ids.project }),
    kind: 'task-write',
  },
  {
    method: 'PUT',
    path: ({ task }) => `/tasks/${task}`,
    body: { title: 'put' },
    kind: 'task-write',
  },
  {
    method: 'PATCH',
    path: ({ task }) => `/tasks/${task}`,
    body: { title: 'patched' },
    kind: 'task-write',
  },
  { method: 'PATCH', path: ({ task }) => `/tasks/${task}/complete`, kind: 'task-write' },
  {
    method: 'PUT',
    path: ({ task }) => `/tasks/${task}/due-date`,
    body: { due_date: null },
    kind: 'task-write',
  },
  {
    method: 'POST',
    path: ({ task }) => `/tasks/${task}/recurrence`,
    body: { rule: 'FREQ=DAILY', time_zone: 'UTC' },
    kind: 'task-write',
  },
  { method: 'DELETE', path: ({ task }) => `/tasks/${task}/recurrence`, kind: 'task-write' },
  { method: 'DELETE', path: ({ task }) => `/tasks/${task}`, kind: 'task-write' },
  {
    method: 'PATCH',
    path: ({ project }) => `/projects/${project}`,
    body: { name: 'x' },
    kind: 'manage',
  },
  {
    method: 'PUT',
    path: ({ project, member }) => `/projects/${project}/members/${member}`,
    body: { role: 'owner' },
    kind: 'manage',
  },
  {
    method: 'DELETE',
    path: ({ project, member }) => `/projects/${project}/members/${member}`,
    kind: 'manage',
  },
  { method: 'DELETE', path: ({ project }) => `/projects/${project}`, kind: 'manage' },
];

/** What each caller is answered, by kind of route: a status, or `allowed` (2xx). */
const expected: Record<string, Record<Kind, number | 'allowed'>> = {
  stranger: { read: 404, 'task-write': 404, manage: 404 },
  removed: { read: 404, 'task-write': 404, manage: 404 },
  viewer: { read: 'allowed', 'task-write': 403, manage: 403 },
  editor: { read: 'allowed', 'task-write': 'allowed', manage: 403 },
};

let owner: User;
let callers: Record<string, User>;
let ids: { project: string; task: string; member: string };

beforeAll(async () => {
  owner = await api.newUser();
  callers = {
    stranger: await api.newUser(),
    removed: await api.newUser(),
    viewer: await api.newUser(),
    editor: await api.newUser(),
  };
  const create = await api.call('POST', `/api/${owner.id}/projects`, {
    token: owner.token,
    body: { name: 'Shared' },
  });
  const project = Project.parse(create.json());
  const put = (user: User, role: string) =>
    api.call('PUT', `/api/${owner.id}/projects/${project.id}/members/${user.id}`, {
      token: owner.token,
      body: { role },
    });
  await put(callers.removed!, 'editor');
  await put(callers.viewer!, 'viewer');
  await put(callers.editor!, 'editor');
  await api.call(
    'DELETE',
    `/api/${owner.id}/projects/${project.id}/members/${callers.removed!.id}`,
    {
      token: owner.token,
    },
  );
  // The member the management routes are about: someone other than the caller.
  const bystander = await api.newUser();
  await put(bystander, 'viewer');
  ids = { project: project.id, task: '', member: bystander.id };
});

/** A fresh task of the project for each attempt, so that an allowed delete spoils nothing. */
async function freshTask(): Promise<string> {
  const response = await api.call('POST', `/api/${owner.id}/tasks`, {
    token: owner.token,
    body: { title: 'shared', project_id: ids.project, due_date: soon() },
  });
  return Task.parse(response.json()).id;
}

describe.each(Object.keys(expected))('a %s', (who) => {
  it.each(routes)('$method $kind route', async (route) => {
    const caller = callers[who]!;
    const attempt = { ...ids, task: await freshTask() };
    const body = typeof route.body === 'function' ? route.body(attempt) : route.body;
    const path = route.path(attempt);
    const response = await api.call(route.method, `/api/${caller.id}${path}`, {
      token: caller.token,
      body,
    });
    const want = expected[who]![route.kind];
    if (want === 'allowed') {
      expect(response.statusCode, `${route.method} ${path}: ${response.body}`).toBeLessThan(300);
      return;
    }
    expect(response.statusCode, `${route.method} ${path}: ${response.body}`).toBe(want);
    expect(ErrorBody.parse(response.json()).error.code).toBe(
      want === 404 ? 'not_found' : 'forbidden',
    );
  });
});

describe('a refused caller', () => {
  it('changed nothing: the task is at its first version and the project as it was', async () => {
    const task = await freshTask();
    for (const who of ['stranger', 'removed', 'viewer']) {
      const caller = callers[who]!;
      await api.call('PATCH', `/api/${caller.id}/tasks/${task}`, {
        token: caller.token,
        body: { title: 'hijacked' },
      });
    }
    const read = await api.call('GET', `/api/${owner.id}/tasks/${task}`, { token: owner.token });
    expect(Task.parse(read.json())).toMatchObject({ title: 'shared', version: 1 });
  });
});
