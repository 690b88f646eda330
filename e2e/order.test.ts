import { beforeAll, describe, expect, it } from 'vitest';
import {
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
  type User,
} from './harness.ts';

// Two task-api replicas (two relays claim side by side) and two ws-notifier replicas (each
// orders on its own): what can reorder a task's events, short of a broker of our own.
const fleet = await fleetForFile({ 'task-api': 2, 'ws-notifier': 2 });
beforeAll(() => waitUntilDelivering(fleet), 120_000);

const LIFE = ['task.created@1', 'task.updated@2', 'task.completed@3', 'task.deleted@4'];

/** One task's whole life, as fast as the API answers, each call to the next task-api replica. */
async function live(user: User, n: number): Promise<string> {
  const apis = fleet.replicas['task-api'].map((replica) => replica.url);
  let call = 0;
  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${apis[call++ % apis.length]}/api/${user.id}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${user.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(response.status, `${method} ${path}`).toBeLessThan(300);
    const text = await response.text();
    return text ? (JSON.parse(text) as { id: string }) : undefined;
  };
  const task = (await send('POST', '/tasks', { title: `task ${n}` }))!;
  await send('PATCH', `/tasks/${task.id}`, { title: `task ${n}, edited` });
  await send('PATCH', `/tasks/${task.id}/complete`);
  await send('DELETE', `/tasks/${task.id}`);
  return task.id;
}

describe(`order on the wire (${fleet.broker})`, () => {
  it('a client applying messages in arrival order sees every task’s events in version order', async () => {
    printLogsOnFailure(fleet);
    const users = await Promise.all(Array.from({ length: 4 }, () => newUser(fleet)));
    const sockets = await Promise.all(
      users.map((user, i) => openSocket(fleet, user, i % fleet.replicas['ws-notifier'].length)),
    );
    // 4 users x 15 tasks, all lives at once: 240 writes in a burst.
    const tasks = await Promise.all(
      users.map((user) => Promise.all(Array.from({ length: 15 }, (_, n) => live(user, n)))),
    );
    const outOfOrder: string[][] = [];
    for (const [u, socket] of sockets.entries()) {
      await Promise.all(
        tasks[u]!.map((id) =>
          socket.waitFor((m) => m.data.id === id && m.type === 'task.deleted', 15_000),
        ),
      );
      // Whatever a stray late message would be, give it time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const arrivals = new Map<string, string[]>();
      for (const { message } of socket.messages) {
        const seen = arrivals.get(message.data.id) ?? [];
        seen.push(`${message.type}@${message.aggregate_version}`);
        arrivals.set(message.data.id, seen);
      }
      for (const id of tasks[u]!) {
        const seen = arrivals.get(id) ?? [];
        const versions = seen.map((v) => Number(v.split('@')[1]));
        // Each version above the one before. A version that took longer than the hold would be
        // missing, never sent after its successor: order is the promise, not completeness.
        const inOrder = versions.every((v, i) => i === 0 || v > versions[i - 1]!);
        if (!inOrder || seen.at(-1) !== LIFE.at(-1)) outOfOrder.push(seen);
      }
      socket.close();
    }
    expect(outOfOrder, `${outOfOrder.length} of ${tasks.flat().length} tasks out of order`).toEqual(
      [],
    );
  });
});
