import { beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_TOPIC, TOPICS, topicName } from '@taskflow/contracts';
import {
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';
import {
  deadLetterCount,
  deadLetters,
  deadLettersAfter,
  fleetTopics,
  publishPoison,
} from './dead-letters.ts';
import { waitUntilRemindersDeliver } from './reminders-harness.ts';

// reminder-worker too: it publishes to reminders.events, so that every topic taskflow writes
// has had traffic when the last test lists them.
const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1, 'reminder-worker': 1 });
beforeAll(() => waitUntilDelivering(fleet), 120_000);

describe(`poison messages (${fleet.broker})`, () => {
  it('go to the dead-letter topic and do not block the events behind them', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const before = await deadLetterCount(fleet, DEAD_LETTER_TOPIC);

    expect(await publishPoison(fleet, user.id)).toBe(204);

    const { json } = await user.call('POST', '/tasks', { title: 'behind the poison' });
    await socket.waitFor((m) => m.data.id === json.id, 10_000);

    const after = await deadLettersAfter(fleet, DEAD_LETTER_TOPIC, before);
    expect(after).toBeGreaterThan(before);
    expect(fleet.logs()).toMatch(/sent to the dead-letter topic/);
    // One dead-letter topic for both topics: each letter says which one it came from.
    const letters = (await deadLetters(fleet)).filter(
      (letter) => (letter.data as { user_id?: string } | undefined)?.user_id === user.id,
    );
    expect(letters.length).toBeGreaterThan(0);
    for (const letter of letters) {
      expect(letter).toMatchObject({
        topic: topicName(TOPICS.tasks, fleet.topicNamespace),
        data: { user_id: user.id, data: 'not a task' },
        deadletterreason: expect.stringMatching(/does not match its schema/),
      });
    }
    socket.close();
  });
});

describe(`the broker after the traffic (${fleet.broker})`, () => {
  // Redpanda Cloud's free tier allows 3 topics: a fourth name would fail there, not here (the
  // test brokers create topics on first use), so it is counted here.
  it('holds exactly taskflow’s three topics', { timeout: 150_000 }, async () => {
    printLogsOnFailure(fleet);
    // A reminder that made the whole trip: reminders.events has been written and read.
    await waitUntilRemindersDeliver(fleet);
    // And a dead letter, which the test before also made, for when this one runs alone.
    const before = await deadLetterCount(fleet, DEAD_LETTER_TOPIC);
    expect(await publishPoison(fleet, (await newUser(fleet)).id)).toBe(204);
    expect(await deadLettersAfter(fleet, DEAD_LETTER_TOPIC, before)).toBeGreaterThan(before);

    expect(await fleetTopics(fleet)).toEqual(
      [TOPICS.tasks, TOPICS.reminders, DEAD_LETTER_TOPIC]
        .map((topic) => topicName(topic, fleet.topicNamespace))
        .sort(),
    );
  });
});
