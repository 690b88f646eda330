import { consumerGroupName, DEAD_LETTER_TOPIC, topicName, type Topic } from '@taskflow/contracts';
import type { Audience, DeliveryStatus, Messaging } from '@taskflow/messaging';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kafkaMessaging, kafkaPublisher, RecordWriter, saramaPartition } from '../src/index.ts';
import {
  deleteNamespace,
  eventually,
  freshNamespace,
  groupSettled,
  outgoing,
  plaintext,
  readTopic,
  recordingLog,
  serveOne,
  type Payload,
} from './harness.ts';

// Real Kafka (scripts/provision/kafka.sh), PLAINTEXT. Each test has a namespace of its own (a
// new group starting from the oldest offset must not see another test's events), all deleted
// after the file.
const fileNamespace = freshNamespace();
let tests = 0;
let namespace = '';
const TASKS: Topic = 'tasks.events';
const REMINDERS: Topic = 'reminders.events';
const tasksTopic = () => topicName(TASKS, namespace);
const deadLetterTopic = () => topicName(DEAD_LETTER_TOPIC, namespace);
const QUICK_RETRY = { retries: 2, initialMs: 50, maxMs: 100 } as const;

const running: Messaging[] = [];
let writer: RecordWriter;

interface Instance {
  messaging: Messaging;
  received: Payload[];
  log: ReturnType<typeof recordingLog>;
}

/** A kafkaMessaging of app `appId` with one subscription, started. */
async function instance(options: {
  appId: string;
  topic?: Topic;
  audience?: Audience;
  instanceId?: string;
  answer?: (payload: Payload) => DeliveryStatus | Promise<DeliveryStatus>;
}): Promise<Instance> {
  const log = recordingLog();
  const received: Payload[] = [];
  const messaging = kafkaMessaging({
    settings: plaintext,
    appId: options.appId,
    topicNamespace: namespace,
    log,
    retry: QUICK_RETRY,
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
  });
  await serveOne(messaging, {
    topic: options.topic ?? TASKS,
    ...(options.audience ? { audience: options.audience } : {}),
    handler: async (payload) => {
      received.push(payload);
      return (await options.answer?.(payload)) ?? 'SUCCESS';
    },
  });
  running.push(messaging);
  await messaging.start();
  return { messaging, received, log };
}

const logsOf =
  (...instances: Instance[]) =>
  () =>
    instances.map((i) => JSON.stringify(i.log.lines.slice(-10))).join('\n');

let apps = 0;
const newApp = () => `app${++apps}`;

/** Publishes as task-api's relay would. */
const publish = (topic: Topic, events: Parameters<Messaging['publisher']['publishBatch']>[1]) =>
  kafkaPublisher(writer, {
    appId: 'task-api',
    pubsub: 'taskflow-pubsub',
    topicNamespace: namespace,
  }).publishBatch(topic, events);

beforeAll(() => {
  writer = new RecordWriter(plaintext, 'test-writer');
});

beforeEach(async () => {
  namespace = `${fileNamespace}.t${++tests}`;
  // The broker creates topics on first use; made here so that every group starts on a topic.
  await writer.connect([tasksTopic(), topicName(REMINDERS, namespace), deadLetterTopic()]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((messaging) => messaging.stop()));
});

afterAll(async () => {
  await writer?.close();
  // `<file namespace>.*`: every test's topics at once.
  deleteNamespace(fileNamespace);
});

describe('kafkaMessaging publisher', () => {
  it("writes daprd's CloudEvent, keyed by user, in sarama's partition for the key", async () => {
    const publisher = kafkaMessaging({
      settings: plaintext,
      appId: 'task-api',
      topicNamespace: namespace,
      log: recordingLog(),
    });
    running.push(publisher);
    await publisher.start();
    const events = ['alice', 'bob', 'carol', 'dave'].map((user) => outgoing(user, 1));
    const topic = REMINDERS;
    expect(await publisher.publisher.publishBatch(topic, events)).toEqual({ failedEventIds: [] });
    const records = await readTopic(topicName(topic, namespace), events.length);
    expect(records).toHaveLength(events.length);
    for (const event of events) {
      const record = records.find((r) => r.key === event.userId)!;
      expect(record.partition).toBe(saramaPartition(event.userId, 3));
      const cloudEvent = JSON.parse(record.value) as Record<string, unknown>;
      expect(cloudEvent).toMatchObject({
        specversion: '1.0',
        source: 'task-api',
        type: 'com.dapr.event.sent',
        datacontenttype: 'application/json',
        topic: topicName(topic, namespace),
        pubsubname: 'taskflow-pubsub',
        data: JSON.parse(event.envelopeJson),
      });
      expect(cloudEvent.id).toMatch(/^[0-9a-f-]{36}$/);
      // The correlation id is the trace: everything one user action caused is one trace.
      expect(cloudEvent.traceparent).toMatch(
        /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/,
      );
    }
  });

  it('cuts a batch larger than the broker takes in one request into several, in order', async () => {
    // 600 events of about 2.5 KB of one user: 1.5 MB for one partition, over the broker's 1 MiB.
    const note = 'n'.repeat(2_500);
    const events = Array.from({ length: 600 }, (_, n) => outgoing('busy-user', n, { note }));
    expect(await publish(REMINDERS, events)).toEqual({ failedEventIds: [] });
    const records = await readTopic(topicName(REMINDERS, namespace), events.length);
    const ns = records.map((r) => (JSON.parse(r.value) as { data: { n: number } }).data.n);
    expect(ns).toEqual(events.map((_, n) => n));
  });

  it('rejects when no broker answers, so the relay keeps the events and backs off', async () => {
    const dead = kafkaMessaging({
      settings: { bootstrapServers: ['127.0.0.1:1'], securityProtocol: 'PLAINTEXT' },
      appId: 'task-api',
      topicNamespace: namespace,
      log: recordingLog(),
    });
    running.push(dead);
    await expect(dead.publisher.publishBatch(TASKS, [outgoing('alice', 1)])).rejects.toThrow();
  });

  it('starts while no broker answers, not ready, retrying; stops at once', async () => {
    const log = recordingLog();
    const dead = kafkaMessaging({
      settings: { bootstrapServers: ['127.0.0.1:1'], securityProtocol: 'PLAINTEXT' },
      appId: 'scheduler',
      topicNamespace: namespace,
      log,
    });
    await serveOne(dead, { topic: TASKS, handler: () => 'SUCCESS' });
    const starting = Date.now();
    await dead.start();
    expect(Date.now() - starting).toBeLessThan(5_000);
    expect(await dead.ready()).toBe(false);
    expect(log.lines.map((line) => line.message)).toContain(
      'Kafka unreachable at startup: retrying in the background',
    );
    const stopping = Date.now();
    await dead.stop();
    expect(Date.now() - stopping).toBeLessThan(5_000);
  });
});

describe('kafkaMessaging consumer', () => {
  it('delivers every event, each user in order, over many users and batches', async () => {
    const consumer = await instance({ appId: newApp() });
    const users = Array.from({ length: 20 }, (_, i) => `order-user-${i}`);
    const total = 2_000;
    for (let batch = 0; batch < total / 100; batch++) {
      const events = Array.from({ length: 100 }, (_, i) => {
        const n = batch * 100 + i;
        return outgoing(users[n % users.length]!, n);
      });
      expect(await publish(TASKS, events)).toEqual({ failedEventIds: [] });
    }
    await eventually(`${total} events`, () => consumer.received.length >= total, {
      context: logsOf(consumer),
      timeoutMs: 60_000,
    });
    expect(consumer.received).toHaveLength(total);
    for (const user of users) {
      const ns = consumer.received.filter((p) => p.user === user).map((p) => p.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
      expect(ns).toHaveLength(total / users.length);
    }
  });

  it('splits a shared group between two processes: each event handled once', async () => {
    const appId = newApp();
    const one = await instance({ appId, instanceId: 'one' });
    const two = await instance({ appId, instanceId: 'two' });
    await groupSettled(consumerGroupName(appId, namespace), 2);
    const events = Array.from({ length: 300 }, (_, n) => outgoing(`split-user-${n % 30}`, n));
    await publish(TASKS, events);
    const both = () => [...one.received, ...two.received];
    await eventually('300 events over both', () => both().length >= 300, {
      context: logsOf(one, two),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(new Set(both().map((p) => p.event_id)).size).toBe(300);
    expect(both()).toHaveLength(300);
    expect(one.received.length).toBeGreaterThan(0);
    expect(two.received.length).toBeGreaterThan(0);
  });

  it('hands partitions over when a process joins mid-way: nothing lost, each user in order', async () => {
    const appId = newApp();
    const slow = () =>
      new Promise<DeliveryStatus>((resolve) => setTimeout(() => resolve('SUCCESS'), 20));
    const one = await instance({ appId, instanceId: 'one', answer: slow });
    const events = Array.from({ length: 900 }, (_, n) => outgoing(`handover-user-${n % 30}`, n));
    await publish(TASKS, events);
    await eventually('some handled', () => one.received.length >= 50, { context: logsOf(one) });
    const two = await instance({ appId, instanceId: 'two', answer: slow });
    const both = () => [...one.received, ...two.received];
    await eventually('every event', () => new Set(both().map((p) => p.n)).size === 900, {
      context: logsOf(one, two),
      timeoutMs: 60_000,
    });
    expect(two.received.length).toBeGreaterThan(0);
    // At least once: a record in progress at the rebalance may come twice, but in order.
    for (const instance of [one, two]) {
      for (let u = 0; u < 30; u++) {
        const ns = instance.received.filter((p) => p.user === `handover-user-${u}`).map((p) => p.n);
        expect(ns).toEqual([...ns].sort((a, b) => a - b));
      }
    }
  });

  it('gives every event to every process of an each-process subscription, from the newest offset', async () => {
    const appId = newApp();
    const old = outgoing('fan-user', -1);
    await publish(REMINDERS, [old]);
    const one = await instance({
      appId,
      topic: REMINDERS,
      audience: 'each-process',
      instanceId: 'one',
    });
    const two = await instance({
      appId,
      topic: REMINDERS,
      audience: 'each-process',
      instanceId: 'two',
    });
    // A new group starts at the end: wait until each reads, by publishing until both saw one.
    let warmups = 0;
    await eventually('both groups reading', async () => {
      await publish(REMINDERS, [outgoing('fan-user', -2 - warmups++)]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return one.received.length > 0 && two.received.length > 0;
    });
    const events = Array.from({ length: 50 }, (_, n) => outgoing(`fan-user-${n % 5}`, n));
    await publish(REMINDERS, events);
    const real = (i: Instance) => i.received.filter((p) => p.n >= 0);
    await eventually(
      '50 events in each process',
      () => real(one).length >= 50 && real(two).length >= 50,
      {
        context: logsOf(one, two),
      },
    );
    expect(
      real(one)
        .map((p) => p.event_id)
        .sort(),
    ).toEqual(events.map((e) => e.eventId).sort());
    expect(
      real(two)
        .map((p) => p.event_id)
        .sort(),
    ).toEqual(events.map((e) => e.eventId).sort());
    // Published before the groups existed: never delivered.
    expect([...one.received, ...two.received].some((p) => p.event_id === old.eventId)).toBe(false);
  });
});

describe('kafkaMessaging retries and dead letters', () => {
  /** Dead letters of this namespace whose CloudEvent carries event `eventId`, or raw `value`. */
  async function deadLettersFor(match: (value: string) => boolean, count = 1) {
    let found: Awaited<ReturnType<typeof readTopic>> = [];
    await eventually('the dead letter', async () => {
      const all = await readTopic(deadLetterTopic(), 1_000, plaintext, 1_500);
      found = all.filter((record) => match(record.value));
      return found.length >= count;
    });
    return found;
  }

  it('delivers again after RETRY, and takes SUCCESS the third time', async () => {
    const answers: DeliveryStatus[] = ['RETRY', 'RETRY'];
    const consumer = await instance({
      appId: newApp(),
      answer: () => answers.shift() ?? 'SUCCESS',
    });
    const event = outgoing('retry-user', 1);
    await publish(TASKS, [event]);
    await eventually('three deliveries', () => consumer.received.length >= 3, {
      context: logsOf(consumer),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(consumer.received.map((p) => p.event_id)).toEqual([
      event.eventId,
      event.eventId,
      event.eventId,
    ]);
  });

  it('dead-letters a message still failing after the retries, with the reason, key kept', async () => {
    const consumer = await instance({ appId: newApp(), answer: () => 'RETRY' });
    const event = outgoing('forever-user', 1);
    await publish(TASKS, [event]);
    const [dead] = await deadLettersFor((value) => value.includes(event.eventId));
    const cloudEvent = JSON.parse(dead!.value) as Record<string, unknown>;
    expect(cloudEvent).toMatchObject({
      topic: tasksTopic(),
      data: JSON.parse(event.envelopeJson),
      deadletterreason: 'still failing after 2 retries',
    });
    expect(dead!.key).toBe('forever-user');
    expect(dead!.headers.deadLetterReason).toBe('still failing after 2 retries');
    // The first delivery and the two retries.
    expect(consumer.received).toHaveLength(1 + QUICK_RETRY.retries);
  });

  it('dead-letters a DROP at once', async () => {
    const consumer = await instance({ appId: newApp(), answer: () => 'DROP' });
    const event = outgoing('drop-user', 1);
    await publish(TASKS, [event]);
    const [dead] = await deadLettersFor((value) => value.includes(event.eventId));
    expect(JSON.parse(dead!.value)).toMatchObject({
      deadletterreason: 'dropped by its subscriber',
    });
    expect(consumer.received).toHaveLength(1);
  });

  it('dead-letters a payload that fails its schema, and a record that is no CloudEvent, as it is', async () => {
    const consumer = await instance({ appId: newApp() });
    const marker = `not-json-${Date.now()}`;
    await writer.write(tasksTopic(), [{ key: 'raw-user', value: `${marker} {` }]);
    const bad = { ...outgoing('schema-user', 1), envelopeJson: JSON.stringify({ n: 'x', marker }) };
    await publish(TASKS, [bad]);
    const dead = await deadLettersFor((value) => value.includes(marker), 2);
    const raw = dead.find((record) => record.value === `${marker} {`)!;
    expect(raw.key).toBe('raw-user');
    expect(raw.headers.deadLetterReason).toBe('record value is not JSON');
    const invalid = dead.find((record) => record !== raw)!;
    expect(JSON.parse(invalid.value).deadletterreason).toMatch(/payload does not match its schema/);
    expect(consumer.received).toHaveLength(0);
  });
});

describe('kafkaMessaging offsets', () => {
  it('commits an offset only once its record was handled: a restart loses nothing', async () => {
    const appId = newApp();
    const user = 'restart-user';
    const events = Array.from({ length: 40 }, (_, n) => outgoing(user, n));
    const slow = () =>
      new Promise<DeliveryStatus>((resolve) => setTimeout(() => resolve('SUCCESS'), 40));
    const first = await instance({ appId, answer: slow });
    await publish(TASKS, events);
    await eventually('a few handled', () => first.received.length >= 10, {
      context: logsOf(first),
    });
    await first.messaging.stop();
    running.splice(running.indexOf(first.messaging), 1);
    const handledFirst = first.received.map((p) => p.n);
    expect(handledFirst.length).toBeLessThan(40);
    const second = await instance({ appId });
    await eventually('the rest after the restart', () => second.received.some((p) => p.n === 39), {
      context: logsOf(second),
    });
    const handledSecond = second.received.map((p) => p.n);
    // Nothing lost; the second process starts right after the last committed record.
    expect([...new Set([...handledFirst, ...handledSecond])].sort((a, b) => a - b)).toEqual(
      events.map((_, n) => n),
    );
    expect(handledSecond[0]).toBe(handledFirst.at(-1)! + 1);
  });
});
