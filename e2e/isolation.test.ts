import { request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';

const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 2 });
beforeAll(() => waitUntilDelivering(fleet), 120_000);

describe(`isolation under load (${fleet.broker})`, () => {
  it('no socket ever receives another user’s event, on any replica', async () => {
    printLogsOnFailure(fleet);
    const users = await Promise.all(Array.from({ length: 8 }, () => newUser(fleet)));
    const sockets = await Promise.all(
      users.flatMap((user) => [openSocket(fleet, user, 0), openSocket(fleet, user, 1)]),
    );
    const perUser = 25;
    const created = await Promise.all(
      users.map(async (user) => {
        const ids: string[] = [];
        for (let i = 0; i < perUser; i++) {
          const { status, json } = await user.call('POST', '/tasks', { title: `${user.id} #${i}` });
          expect(status).toBe(201);
          ids.push(json.id);
        }
        return ids;
      }),
    );
    for (const [u, user] of users.entries()) {
      const own = new Set(created[u]);
      for (const socket of [sockets[2 * u]!, sockets[2 * u + 1]!]) {
        const last = created[u]!.at(-1)!;
        await socket.waitFor((m) => m.data.id === last, 15_000);
        await Promise.all(created[u]!.map((id) => socket.waitFor((m) => m.data.id === id, 15_000)));
        for (const { message } of socket.messages) {
          expect(own.has(message.data.id), `${user.id} got ${message.data.id}`).toBe(true);
          expect(message.data.title.startsWith(user.id)).toBe(true);
        }
      }
    }
    for (const socket of sockets) socket.close();
  });

  it('refuses an upgrade without a token (401) and with another user’s token (403)', async () => {
    const [alice, mallory] = [await newUser(fleet), await newUser(fleet)];
    const { port } = fleet.replicas['ws-notifier'][0]!;
    const upgrade = (token?: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest({
          port,
          host: '127.0.0.1',
          path: `/ws/user/${alice.id}/tasks`,
          headers: {
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        });
        request.on('response', (response) => resolve(response.statusCode ?? 0));
        request.on('upgrade', () => reject(new Error('the upgrade was accepted')));
        request.on('error', reject);
        request.end();
      });
    expect(await upgrade()).toBe(401);
    expect(await upgrade(mallory.token)).toBe(403);
  });
});
