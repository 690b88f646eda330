import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startDaprd, type Daprd } from '@taskflow/testkit';
import { createDaprClient, type DaprClient } from '../src/index.ts';
import { DEAD_LETTER_TOPIC } from '@taskflow/contracts';
import { defineSubscription, type DeliveryStatus } from '@taskflow/messaging';
import {
  canConnect,
  eventually,
  resourcesDir,
  runId,
  startTestApp,
  type TestApp,
} from './harness.ts';

// The shared test Kafka (scripts/provision/kafka.sh) with topics and a consumer group of this run
// alone: 3 partitions per auto-created topic, so partition keys matter.
const KAFKA = { host: '127.0.0.1', port: 9092 };
const run = runId();
// The run id is also the test's namespace: dead letters go to `<run>.events.deadletter`.
const topic = (name: string) => `${run}.${name}`;
const Payload = z.object({
  n: z.number().int(),
  user: z.string().optional(),
  note: z.string().optional(),
});
type Payload = z.infer<typeof Payload>;

let daprd: Daprd;
let dapr: DaprClient;
let app: TestApp;
let resources: { path: string; remove(): void };
const received: Record<string, Payload[]> = { single: [], bulk: [], retry: [] };
const retryAnswers: DeliveryStatus[] = ['RETRY', 'RETRY'];

const dump = () =>
  `daprd:\n${daprd?.logs().split('\n').slice(-30).join('\n')}\napp requests: ${JSON.stringify(
    app?.requests.map((r) => [r.method, r.url, r.status]),
  )}`;

function subscriptionYaml(name: string, route: string, bulk = false) {
  return `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: ${name.replaceAll('.', '-')} }
spec:
  pubsubname: ps
  topic: ${topic(name)}
  routes: { default: ${route} }
  deadLetterTopic: ${topic(DEAD_LETTER_TOPIC)}
${bulk ? '  bulkSubscribe: { enabled: true, maxMessagesCount: 100, maxAwaitDurationMs: 40 }\n' : ''}scopes: [kafka-test]
---
`;
}

beforeAll(async () => {
  if (!(await canConnect(KAFKA.port, KAFKA.host))) {
    throw new Error(
      `no Kafka broker on ${KAFKA.host}:${KAFKA.port}. Start it with \`bash scripts/provision/kafka.sh start\`.`,
    );
  }
  resources = resourcesDir({
    'pubsub.yaml': `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: ps }
spec:
  type: pubsub.kafka
  version: v1
  metadata:
    - { name: brokers, value: "${KAFKA.host}:${KAFKA.port}" }
    - { name: authType, value: none }
    - { name: consumerGroup, value: "kafka-test-${run}" }
    - { name: initialOffset, value: oldest }
    - { name: version, value: 3.9.0 }
scopes: [kafka-test]
`,
    'resiliency.yaml': `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: test-resiliency }
spec:
  policies:
    retries:
      quick: { policy: constant, duration: 150ms, maxRetries: 3 }
  targets:
    components:
      ps: { inbound: { retry: quick } }
scopes: [kafka-test]
`,
    'subscriptions.yaml':
      subscriptionYaml('single', '/single') +
      subscriptionYaml('bulk', '/bulk', true) +
      subscriptionYaml('retry', '/retry') +
      subscriptionYaml(DEAD_LETTER_TOPIC, '/dlq'),
  });
  app = await startTestApp({
    dapr: { publish: (...args) => dapr.publish(...args) },
    topicNamespace: run,
    subscriptions: [
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/single',
        schema: Payload,
        handler: (d) => (received.single!.push(d), 'SUCCESS'),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/bulk',
        schema: Payload,
        handler: (d) => (received.bulk!.push(d), 'SUCCESS'),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/retry',
        schema: Payload,
        handler: (d) => (received.retry!.push(d), retryAnswers.shift() ?? 'SUCCESS'),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/dlq',
        schema: z.unknown(),
        handler: () => 'SUCCESS',
      }),
    ],
  });
  daprd = await startDaprd({
    appId: 'kafka-test',
    appPort: app.port,
    resourcesPaths: [resources.path],
  });
  dapr = createDaprClient({ httpPort: daprd.httpPort });
}, 30_000);

afterAll(async () => {
  await daprd?.stop();
  await app?.close();
  resources?.remove();
});

describe('sidecar (Kafka 3.9, pubsub.kafka)', () => {
  it('publishes a CloudEvent and delivers it to the declarative subscription', async () => {
    await dapr.publish('ps', topic('single'), { n: 1 }, { metadata: { partitionKey: 'user-1' } });
    await eventually('the event at /single', () => received.single!.length > 0, {
      context: dump,
      timeoutMs: 20_000,
    });
    expect(received.single![0]).toEqual({ n: 1 });
    const delivery = app.requests.find((r) => r.url === '/single')!;
    expect(delivery.contentType).toBe('application/cloudevents+json');
    expect(delivery.body).toMatchObject({
      specversion: '1.0',
      topic: topic('single'),
      data: { n: 1 },
    });
  });

  it.each([
    { builtBy: 'daprd', source: undefined, base: 0 },
    { builtBy: 'the app', source: 'publisher-app', base: 1000 },
  ])(
    'keys records by partitionKey: one user, one partition, in order (bulk both ways; CloudEvents built by $builtBy)',
    async ({ source, base }) => {
      const entries = Array.from({ length: 24 }, (_, i) => {
        const user = i % 2 === 0 ? 'user-a' : 'user-b';
        return { entryId: `e${i}`, event: { n: base + i, user }, metadata: { partitionKey: user } };
      });
      const options = source ? { cloudEventSource: source } : undefined;
      expect(await dapr.publishBulk('ps', topic('bulk'), entries, options)).toEqual({
        failedEntryIds: [],
        errors: {},
      });
      const ours = (n: number) => n >= base && n < base + 24;
      await eventually(
        '24 events at /bulk',
        () => received.bulk!.filter((p) => ours(p.n)).length >= 24,
        { context: dump, timeoutMs: 20_000 },
      );
      const delivered = app.requests
        .filter((r) => r.url === '/bulk')
        .flatMap(
          (r) =>
            (
              r.body as {
                entries: Array<{
                  metadata: Record<string, string>;
                  event: { data: Payload; source: string; type: string };
                }>;
              }
            ).entries,
        )
        .filter((e) => ours(e.event.data.n));
      expect(new Set(delivered.map((e) => e.event.source))).toEqual(
        new Set([source ?? 'kafka-test']),
      );
      expect(new Set(delivered.map((e) => e.event.type))).toEqual(new Set(['com.dapr.event.sent']));
      for (const user of ['user-a', 'user-b']) {
        const mine = delivered.filter((e) => e.event.data.user === user);
        expect(new Set(mine.map((e) => e.metadata.__key))).toEqual(new Set([user]));
        expect(new Set(mine.map((e) => e.metadata.__partition)).size).toBe(1);
        const order = mine.map((e) => e.event.data.n);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    },
  );

  it('detects the bulk entry the broker refused (not "success", unlike js-sdk #703)', async () => {
    const result = await dapr.publishBulk('ps', topic('bulk'), [
      { entryId: 'ok-1', event: { n: 101 } },
      { entryId: 'too-big', event: { n: 102, note: 'x'.repeat(1_100_000) } }, // > 1 MB producer limit
      { entryId: 'ok-2', event: { n: 103 } },
    ]);
    expect(result.failedEntryIds).toEqual(['too-big']);
    expect(result.errors['too-big']).toMatch(/too large|max/i);
    await eventually(
      'the two good entries',
      () => [101, 103].every((n) => received.bulk!.some((p) => p.n === n)),
      {
        context: dump,
        timeoutMs: 20_000,
      },
    );
  });

  it('redelivers a message the handler answers RETRY', async () => {
    await dapr.publish('ps', topic('retry'), { n: 7 });
    await eventually('three attempts at /retry', () => received.retry!.length >= 3, {
      context: dump,
      timeoutMs: 20_000,
    });
    expect(app.requests.filter((r) => r.url === '/retry').map((r) => r.reply)).toEqual([
      { status: 'RETRY' },
      { status: 'RETRY' },
      { status: 'SUCCESS' },
    ]);
  });

  it('dead-letters an invalid payload at once and delivers the next message', async () => {
    await dapr.publish(
      'ps',
      topic('single'),
      { n: 'poison' },
      { metadata: { partitionKey: 'user-p' } },
    );
    await dapr.publish('ps', topic('single'), { n: 2 }, { metadata: { partitionKey: 'user-p' } });
    await eventually(
      'the message behind the poison one',
      () => received.single!.some((p) => p.n === 2),
      {
        context: dump,
        timeoutMs: 20_000,
      },
    );
    const dead = await eventually(
      'the poison message on the dead-letter topic',
      () => app.requests.find((r) => r.url === '/dlq'),
      {
        context: dump,
        timeoutMs: 20_000,
      },
    );
    // It says where it came from: the one dead-letter topic takes every topic's letters.
    expect(dead.body).toMatchObject({
      topic: topic('single'),
      data: { n: 'poison' },
      deadletterreason: expect.stringMatching(/^payload does not match its schema: n: /),
    });
  });
});
