import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumerGroupName, topicName, type Topic } from '@taskflow/contracts';
import { createDaprClient, daprPublisher } from '@taskflow/dapr';
import type { Messaging } from '@taskflow/messaging';
import { renderResources, startDaprd, type Daprd } from '@taskflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaMessaging, kafkaPublisher, RecordWriter, saramaPartition } from '../src/index.ts';
import {
  deleteNamespace,
  eventually,
  freshNamespace,
  groupSettled,
  outgoing,
  PLAINTEXT,
  plaintext,
  readTopic,
  recordingLog,
  serveOne,
} from './harness.ts';

// A real daprd (testkit, the pinned 1.18.2 build) with the fleet's committed Kafka component
// (dapr/components/pubsub-kafka, in this file's namespace), next to kafkaMessaging on the same
// local broker: what one writes the other reads, a key lands in the same partition whichever
// wrote it, and both join one consumer group. As scheduler, one of the component's scopes.
const namespace = freshNamespace();
const appId = 'scheduler';
const componentFolder = fileURLToPath(
  new URL('../../../dapr/components/pubsub-kafka', import.meta.url),
);
const group = consumerGroupName(appId, namespace);
const TASKS: Topic = 'tasks.events';
const REMINDERS: Topic = 'reminders.events';

let daprd: Daprd;
let app: Server;
let resources: string;
let writer: RecordWriter;
const running: Messaging[] = [];
/** The CloudEvents daprd delivered to the app. */
const viaDapr: Array<Record<string, unknown>> = [];

/** The app daprd delivers to: declarative subscriptions only, every delivery SUCCESS. */
async function startApp(): Promise<number> {
  app = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'GET' && request.url === '/dapr/subscribe') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
      } else if (request.method === 'POST' && request.url === '/events') {
        viaDapr.push(JSON.parse(body) as Record<string, unknown>);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"status":"SUCCESS"}');
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  return (app.address() as { port: number }).port;
}

beforeAll(async () => {
  writer = new RecordWriter(plaintext, 'interop-writer');
  await writer.connect([topicName(TASKS, namespace), topicName(REMINDERS, namespace)]);
  const rendered = renderResources([componentFolder], {
    namespace,
    addresses: { kafka: PLAINTEXT },
  });
  resources = rendered.dir;
  // A single-delivery subscription of the test's app (the committed ones are bulk).
  const subscriptions = join(resources, 'subscriptions');
  mkdirSync(subscriptions);
  writeFileSync(
    join(subscriptions, 'subscription.yaml'),
    `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: interop-tasks }
spec:
  pubsubname: taskflow-pubsub
  topic: ${topicName(TASKS, namespace)}
  routes: { default: /events }
scopes: [${appId}]
`,
  );
  daprd = await startDaprd({
    appId,
    appPort: await startApp(),
    resourcesPaths: [...rendered.paths, subscriptions],
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(running.map((messaging) => messaging.stop()));
  await daprd?.stop();
  app?.close();
  await writer?.close();
  if (resources) rmSync(resources, { recursive: true, force: true });
  deleteNamespace(namespace);
}, 30_000);

describe('kafkaMessaging next to daprd', () => {
  it("reads daprd's records, which sit in the partition sarama's partitioner gives their key", async () => {
    const received: unknown[] = [];
    const reader = kafkaMessaging({
      settings: plaintext,
      appId: 'interop-reader',
      topicNamespace: namespace,
      log: recordingLog(),
    });
    running.push(reader);
    await serveOne(reader, {
      topic: REMINDERS,
      handler: (payload) => (received.push(payload), 'SUCCESS'),
    });
    await reader.start();
    const users = Array.from({ length: 12 }, (_, i) => `interop-user-${i}`);
    const events = users.map((user, n) => outgoing(user, n));
    const dapr = createDaprClient({ httpPort: daprd.httpPort });
    // packages/dapr's publisher, exactly as the fleet's relay publishes through its sidecar.
    const published = await daprPublisher(dapr, 'taskflow-pubsub', appId, namespace).publishBatch(
      REMINDERS,
      events,
    );
    expect(published).toEqual({ failedEventIds: [] });
    await eventually('the Dapr-published events', () => received.length >= events.length, {
      context: () => daprd.logs(),
    });
    expect(received).toEqual(
      expect.arrayContaining(events.map((e) => JSON.parse(e.envelopeJson) as unknown)),
    );
    // And the same keys published directly land where daprd put them.
    await kafkaPublisher(writer, {
      appId: 'task-api',
      pubsub: 'taskflow-pubsub',
      topicNamespace: namespace,
    }).publishBatch(REMINDERS, events);
    const records = await readTopic(topicName(REMINDERS, namespace), 2 * events.length);
    expect(records).toHaveLength(2 * events.length);
    for (const user of users) {
      const partitions = records.filter((r) => r.key === user).map((r) => r.partition);
      expect(partitions).toEqual([saramaPartition(user, 3), saramaPartition(user, 3)]);
    }
    // daprd wrote the CloudEvent packages/dapr built, as this package does.
    const fromDapr = JSON.parse(records.find((r) => r.key === users[0])!.value) as object;
    expect(fromDapr).toMatchObject({ source: appId, type: 'com.dapr.event.sent' });
  });

  it('shares a consumer group with a daprd replica of the same app: each event handled once', async () => {
    const direct: Array<{ event_id: string }> = [];
    const messaging = kafkaMessaging({
      settings: plaintext,
      appId,
      topicNamespace: namespace,
      log: recordingLog(),
    });
    running.push(messaging);
    await serveOne(messaging, {
      topic: TASKS,
      handler: (payload) => (direct.push(payload), 'SUCCESS'),
    });
    await messaging.start();
    // Joining at all proves the protocols agree: sarama's "range" (a mismatch is refused).
    await groupSettled(group, 2);
    const events = Array.from({ length: 300 }, (_, n) => outgoing(`share-user-${n % 30}`, n));
    await kafkaPublisher(writer, {
      appId: 'task-api',
      pubsub: 'taskflow-pubsub',
      topicNamespace: namespace,
    }).publishBatch(TASKS, events);
    const handled = () => [
      ...direct.map((p) => p.event_id),
      ...viaDapr.map((ce) => (ce.data as { event_id: string }).event_id),
    ];
    await eventually('300 events over both members', () => handled().length >= 300, {
      context: () => daprd.logs(),
      timeoutMs: 30_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(new Set(handled()).size).toBe(300);
    expect(handled()).toHaveLength(300);
    expect(direct.length).toBeGreaterThan(0);
    expect(viaDapr.length).toBeGreaterThan(0);
  });
});
