import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
  type Socket,
  type User,
} from './harness.ts';

// A shared project end to end: every member's sockets, on either replica, get its events; a
// member removed gets their removal and nothing of the project after it; under load no event of
// a project reaches a socket of anyone outside it.

const fleet = await fleetForFile({
  'task-api': 1,
  'ws-notifier': 2,
  scheduler: 1,
  'reminder-worker': 1,
});
beforeAll(() => waitUntilDelivering(fleet), 120_000);

async function project(owner: User, members: Array<[User, 'editor' | 'viewer']>) {
  const created = await owner.call('POST', '/projects', { name: `p-${owner.id}` });
  expect(created.status).toBe(201);
  for (const [member, role] of members) {
    const put = await owner.call('PUT', `/projects/${created.json.id}/members/${member.id}`, {
      role,
    });
    expect(put.status).toBe(201);
  }
  return created.json.id;
}

/** A socket on each replica, for each user. */
const socketsOf = (users: User[]) =>
  Promise.all(
    users.map((user) => Promise.all([openSocket(fleet, user, 0), openSocket(fleet, user, 1)])),
  );

const has = (socket: Socket, taskId: string) =>
  socket.messages.some((m) => m.message.data.id === taskId);

describe(`shared projects (${fleet.broker})`, () => {
  it("reaches every member's sockets on every replica, and no one else's", async () => {
    printLogsOnFailure(fleet);
    const [alice, bob, carol, mallory] = await Promise.all(
      Array.from({ length: 4 }, () => newUser(fleet)),
    );
    const projectId = await project(alice!, [
      [bob!, 'editor'],
      [carol!, 'viewer'],
    ]);
    const [aliceSockets, bobSockets, carolSockets, mallorySockets] = await socketsOf([
      alice!,
      bob!,
      carol!,
      mallory!,
    ]);
    const created = await bob!.call('POST', '/tasks', { title: 'shared', project_id: projectId });
    expect(created.status).toBe(201);
    const completed = await alice!.call('PATCH', `/tasks/${created.json.id}/complete`);
    expect(completed.status).toBe(200);
    for (const socket of [...aliceSockets!, ...bobSockets!, ...carolSockets!]) {
      const { message } = await socket.waitFor(
        (m) => m.data.id === created.json.id && m.type === 'task.completed',
        15_000,
      );
      expect(message.data).toMatchObject({ project_id: projectId, completed: true });
    }
    // The stranger's sockets, open all along on both replicas, got nothing of it.
    await sleep(500);
    for (const socket of mallorySockets!) expect(has(socket, created.json.id)).toBe(false);
    for (const socket of [...aliceSockets!, ...bobSockets!, ...carolSockets!, ...mallorySockets!]) {
      socket.close();
    }
  });

  it('cuts a removed member off at once: their removal, then nothing of the project', async () => {
    const [alice, bob] = await Promise.all([newUser(fleet), newUser(fleet)]);
    const projectId = await project(alice, [[bob, 'editor']]);
    const [aliceSockets, bobSockets] = await socketsOf([alice, bob]);
    const before = await alice.call('POST', '/tasks', { title: 'before', project_id: projectId });
    await Promise.all(bobSockets!.map((s) => s.waitFor((m) => m.data.id === before.json.id)));

    const removed = await alice.call('DELETE', `/projects/${projectId}/members/${bob.id}`);
    expect(removed.status).toBe(204);
    // Changes right after the removal: alice sees each, bob none.
    const after = await alice.call('POST', '/tasks', { title: 'after', project_id: projectId });
    await alice.call('PATCH', `/tasks/${before.json.id}`, { title: 'renamed after' });
    for (const socket of aliceSockets!) {
      await socket.waitFor((m) => m.data.id === after.json.id, 15_000);
      await socket.waitFor((m) => m.data.id === before.json.id && m.type === 'task.updated');
    }
    for (const socket of bobSockets!) {
      await eventuallyRemoved(socket, projectId, bob.id);
      expect(has(socket, after.json.id)).toBe(false);
      expect(socket.messages.some((m) => m.message.type === 'task.updated')).toBe(false);
    }
    // And the next REST call about it is refused.
    expect((await bob.call('GET', `/tasks/${before.json.id}`)).status).toBe(404);
    expect((await bob.call('GET', `/tasks?project=${projectId}`)).status).toBe(404);
    for (const socket of [...aliceSockets!, ...bobSockets!]) socket.close();
  });

  it("spawns a shared series' instances to every member; a reminder rings for its setter only", async () => {
    const [alice, bob] = await Promise.all([newUser(fleet), newUser(fleet)]);
    const projectId = await project(alice, [[bob, 'viewer']]);
    const [aliceSockets, bobSockets] = await socketsOf([alice, bob]);
    const series = await alice.call('POST', '/tasks', {
      title: 'standup',
      project_id: projectId,
      // Its first occurrence is already due: the scheduler's next tick spawns it.
      recurrence: {
        rule: 'FREQ=DAILY',
        time_zone: 'UTC',
        start: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    expect(series.status, JSON.stringify(series.json)).toBe(201);
    for (const socket of [...aliceSockets!, ...bobSockets!]) {
      const { message } = await socket.waitFor((m) => m.type === 'recurring.spawned', 20_000);
      expect(message.data).toMatchObject({ series_id: series.json.id, project_id: projectId });
    }
    // bob, a viewer, sets a reminder of his own on the shared series.
    const reminder = await bob.call('POST', `/tasks/${series.json.id}/reminders`, {
      remind_at: new Date(Date.now() + 2_000).toISOString(),
    });
    expect(reminder.status, JSON.stringify(reminder.json)).toBe(201);
    for (const socket of bobSockets!) await socket.waitFor((m) => m.type === 'reminder', 15_000);
    await sleep(500);
    for (const socket of aliceSockets!) {
      expect(socket.messages.some((m) => m.message.type === 'reminder')).toBe(false);
    }
    for (const socket of [...aliceSockets!, ...bobSockets!]) socket.close();
  });

  it('under load, no event of a project reaches a socket outside it', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => newUser(fleet)));
    const [a, b, c, d, e, f] = users as [User, User, User, User, User, User];
    // Two projects of three members each, one member in both; f is in neither.
    const first = await project(a, [
      [b, 'editor'],
      [c, 'editor'],
    ]);
    const second = await project(d, [
      [c, 'editor'],
      [e, 'editor'],
    ]);
    const sees = new Map<User, Set<string | null>>([
      [a, new Set([first])],
      [b, new Set([first])],
      [c, new Set([first, second])],
      [d, new Set([second])],
      [e, new Set([second])],
      [f, new Set()],
    ]);
    const sockets = await socketsOf(users);
    // Hundreds of concurrent creates: in either project and private, by every user.
    const writes = users.flatMap((user) =>
      Array.from({ length: 40 }, (_, i) => {
        const options = [...sees.get(user)!, null];
        const projectId = options[i % options.length]!;
        return user
          .call('POST', '/tasks', { title: `${user.id} ${i}`, project_id: projectId })
          .then(({ status, json }) => {
            expect(status).toBe(201);
            return { id: json.id, owner: user, projectId };
          });
      }),
    );
    const created = await Promise.all(writes);
    const visibleTo = (user: User, task: (typeof created)[number]) =>
      task.projectId === null ? task.owner === user : sees.get(user)!.has(task.projectId);
    for (const [u, user] of users.entries()) {
      const mine = created.filter((task) => visibleTo(user, task));
      for (const socket of sockets[u]!) {
        await Promise.all(mine.map((task) => socket.waitFor((m) => m.data.id === task.id, 30_000)));
      }
    }
    await sleep(500);
    const byId = new Map(created.map((task) => [task.id, task]));
    let delivered = 0;
    for (const [u, user] of users.entries()) {
      for (const socket of sockets[u]!) {
        for (const { message } of socket.messages) {
          const task = byId.get(message.data.id);
          expect(task && visibleTo(user, task), `${user.id} got ${message.data.id}`).toBe(true);
          delivered++;
        }
        socket.close();
      }
    }
    expect(delivered).toBeGreaterThan(created.length);
  });
});

async function eventuallyRemoved(socket: Socket, projectId: string, userId: string) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const found = socket.projectMessages.find(
      (m) =>
        m.type === 'project.member_removed' &&
        'member' in m.data &&
        m.data.member.user_id === userId &&
        m.data.project.id === projectId,
    );
    if (found) return;
    await sleep(50);
  }
  throw new Error(`no project.member_removed for ${userId}`);
}
