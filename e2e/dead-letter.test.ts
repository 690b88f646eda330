import { beforeAll, describe, expect, it } from 'vitest';
import {
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';
import { deadLetterCount, deadLettersAfter, publishPoison } from './dead-letters.ts';

const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1 });
beforeAll(() => waitUntilDelivering(fleet), 120_000);

describe(`poison messages (${fleet.broker})`, () => {
  it('go to the dead-letter topic and do not block the events behind them', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const before = await deadLetterCount(fleet, 'tasks.events.deadletter');

    expect(await publishPoison(fleet, user.id)).toBe(204);

    const { json } = await user.call('POST', '/tasks', { title: 'behind the poison' });
    await socket.waitFor((m) => m.data.id === json.id, 10_000);

    const after = await deadLettersAfter(fleet, 'tasks.events.deadletter', before);
    expect(after).toBeGreaterThan(before);
    expect(fleet.logs()).toMatch(/sent to the dead-letter topic/);
    socket.close();
  });
});
