import { beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  fleetForFile,
  newUser,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';
import { restClient, taskSync } from './realtime-clients.ts';

// The seed's "disconnect WebSocket -> auto-reconnect succeeds within 5 s", with @taskflow/client.
const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1 });
beforeAll(() => waitUntilDelivering(fleet), 120_000);

describe(`reconnect (${fleet.mode}, ${fleet.broker})`, () => {
  it('after a replica is killed and restarted, a resuming client is told to resync and catches up over REST', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const api = restClient(fleet, user);
    const sync = taskSync(fleet, user, 0);
    const states: string[] = [];
    sync.on('state', (state) => states.push(state));
    sync.start();
    await new Promise((resolve) => sync.on('loaded', resolve));
    const before = await api.tasks.create({ title: 'before' });
    await eventually(
      () => sync.tasks.length,
      (n) => n === 1,
    );

    const replica = fleet.replicas['ws-notifier'][0]!;
    // In one process (USE_DAPR=false) the API dies with the sockets: the writes the client has
    // to catch up on then come right after the restart, while it is still reconnecting.
    const apiDiesToo = replica.url === fleet.api;
    const writes = async () => {
      const created = await api.tasks.create({ title: 'meanwhile' });
      await api.tasks.complete(before.id);
      return created;
    };
    replica.process.kill('SIGKILL');
    await replica.process.exited;
    const early = apiDiesToo ? undefined : await writes();
    await replica.restart();
    const back = Date.now();
    const meanwhile = early ?? (await writes());
    const shown = await eventually(
      () => sync.tasks,
      (tasks) => tasks.length === 2 && tasks.every((t) => t.id !== before.id || t.completed),
      15_000,
    );
    expect(Date.now() - back).toBeLessThan(5_500);
    expect(shown.map((t) => t.id)).toEqual([meanwhile.id, before.id]);
    expect(states).toContain('reconnecting');
    expect(sync.live.state).toBe('open');
    sync.stop();
  });
});
