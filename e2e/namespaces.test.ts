// Two fleets on one broker, each in its topic namespace (TOPIC_NAMESPACE, packages/testkit's
// startFleet): the same user has a socket on each, so a single event that crossed over would
// show on the other fleet's socket. On Kafka both fleets share one broker, as the dev fleet and
// the tests do; on Redis each fleet has a Redis of its own, so there the test checks the names.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_TOPIC, TOPICS } from '@taskflow/contracts';
import {
  eventually,
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';
import {
  consumerGroups,
  deadLetterCount,
  deadLettersAfter,
  kafkaTopics,
  publishPoison,
} from './dead-letters.ts';

const replicas = { 'task-api': 1, 'ws-notifier': 1, scheduler: 1 };
const [a, b] = await Promise.all([fleetForFile(replicas), fleetForFile(replicas)]);
beforeAll(() => Promise.all([waitUntilDelivering(a), waitUntilDelivering(b)]), 150_000);

describe(`topic namespaces (${a.broker})`, () => {
  it('give each fleet topics and consumer groups of its own', async () => {
    expect(a.topicNamespace).toMatch(/^[0-9a-z]{12}$/);
    expect(b.topicNamespace).not.toBe(a.topicNamespace);
    for (const fleet of [a, b]) {
      const groups = await consumerGroups(fleet, TOPICS.tasks);
      expect(groups, fleet.logs()).toContain(`${fleet.topicNamespace}-scheduler`);
      expect(
        groups.filter((g) => g.startsWith(`${fleet.topicNamespace}-ws-notifier-0-`)),
        fleet.logs(),
      ).toHaveLength(1);
    }
    if (a.broker === 'kafka') {
      expect(await kafkaTopics(`${a.topicNamespace}.`)).toContain(
        `${a.topicNamespace}.tasks.events`,
      );
    }
  });

  it('never deliver one fleet’s events to the other’s consumers, even for the same user', async () => {
    printLogsOnFailure(a);
    printLogsOnFailure(b);
    const onA = await newUser(a);
    const onB = await newUser(b, 'user', onA.id);
    const socketA = await openSocket(a, onA);
    const socketB = await openSocket(b, onB);

    const first = await onA.call('POST', '/tasks', { title: 'on fleet a' });
    expect(first.status).toBe(201);
    await socketA.waitFor((m) => m.data.id === first.json.id);
    // One user's events share a partition: had the first crossed over, it would arrive at b
    // before b's own, later event.
    const own = await onB.call('POST', '/tasks', { title: 'on fleet b' });
    expect(own.status).toBe(201);
    await socketB.waitFor((m) => m.data.id === own.json.id);
    const last = await onA.call('POST', '/tasks', { title: 'on fleet a again' });
    await socketA.waitFor((m) => m.data.id === last.json.id);

    expect(socketA.messages.map((m) => m.message.data.id)).not.toContain(own.json.id);
    expect(socketB.messages.map((m) => m.message.data.id)).not.toContain(first.json.id);
    expect(socketB.messages.map((m) => m.message.data.id)).not.toContain(last.json.id);
    socketA.close();
    socketB.close();
  });

  it('keep a poison message in the fleet it was published in', async () => {
    printLogsOnFailure(a);
    printLogsOnFailure(b);
    const before = await deadLetterCount(a, DEAD_LETTER_TOPIC);
    const onA = await newUser(a);
    const onB = await newUser(b, 'user', onA.id);
    const socketB = await openSocket(b, onB);

    expect(await publishPoison(a, onA.id)).toBe(204);
    const after = await deadLettersAfter(a, DEAD_LETTER_TOPIC, before);
    expect(after, a.logs()).toBeGreaterThan(before);
    expect(a.logs()).toMatch(/sent to the dead-letter topic/);

    // b's consumers are past the point where the poison would have reached them: an event of
    // the same user published on b after it has arrived.
    const own = await onB.call('POST', '/tasks', { title: 'on fleet b, after the poison' });
    await socketB.waitFor((m) => m.data.id === own.json.id);
    expect(await deadLetterCount(b, DEAD_LETTER_TOPIC)).toBe(0);
    expect(b.logs()).not.toMatch(/sent to the dead-letter topic|does not match its schema/);
    socketB.close();
  });

  // Only the shared Kafka keeps topics after a fleet: on Redis they go with the fleet's Redis.
  if (a.broker === 'kafka') {
    it('delete a fleet’s topics from the shared Kafka when it stops', async () => {
      const prefix = `${b.topicNamespace}.`;
      expect(await kafkaTopics(prefix)).toContain(`${b.topicNamespace}.tasks.events`);
      await b.stop();
      await eventually(
        () => kafkaTopics(prefix),
        (topics) => topics.length === 0,
        30_000,
      );
    });
  }
});
