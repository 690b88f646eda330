import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort, startDaprd, type Daprd } from '@taskflow/testkit';
import {
  createDaprClient,
  createReplicaBoard,
  DaprError,
  EtagMismatchError,
  SidecarUnavailableError,
  type DaprClient,
} from '../src/index.ts';
import { DEAD_LETTER_TOPIC } from '@taskflow/contracts';
import { defineSubscription, type DeliveryStatus } from '@taskflow/messaging';
import {
  eventually,
  resourcesDir,
  runId,
  startRedis,
  startTestApp,
  type PrivateRedis,
  type Received,
  type TestApp,
} from './harness.ts';

// One private Redis (proto-max-bulk-len at its 1 MB minimum, so one oversize entry of a bulk
// publish fails for real), one daprd and one app for most tests; more daprds where a test
// needs its own (tokens, outages).
const run = runId();
const topic = (name: string) => `${run}.${name}`;
// The test's namespace is the run id: packages/dapr dead-letters to `<run>.events.deadletter`,
// and so does daprd (every subscription below names it, as dapr/components does).
const deadLetterTopic = topic(DEAD_LETTER_TOPIC);
const Payload = z.object({ n: z.number().int(), note: z.string().optional() });
type Payload = z.infer<typeof Payload>;

let redis: PrivateRedis;
let daprd: Daprd;
let dapr: DaprClient;
let app: TestApp;
let resources: { path: string; remove(): void };

const received: Record<string, Array<Received<Payload>>> = {};
const answers: Record<string, DeliveryStatus[]> = {};
const calls: Record<string, number> = {};
let ticks = 0;
let probedTicks = 0;

/** A handler that records what it got and answers from a script (then SUCCESS). */
function scripted(name: string, script: Array<DeliveryStatus | 'THROW'> = []) {
  received[name] = [];
  calls[name] = 0;
  return (data: Payload, ctx: { messageId: string; topic: string; publishedAt?: Date }) => {
    const call = calls[name]!++;
    received[name]!.push({
      data,
      messageId: ctx.messageId,
      topic: ctx.topic,
      publishedAt: ctx.publishedAt,
    });
    const answer = script[call] ?? 'SUCCESS';
    if (answer === 'THROW') throw new Error(`${name}: failing on purpose (call ${call})`);
    (answers[name] ??= []).push(answer);
    return answer;
  };
}

const dump = () =>
  `daprd:\n${daprd?.logs().split('\n').slice(-30).join('\n')}\napp requests: ${JSON.stringify(
    app?.requests.map((r) => [r.method, r.url, r.status]),
  )}`;

function subscriptionYaml(name: string, route: string, options: { bulk?: boolean } = {}) {
  return `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: ${name.replaceAll('.', '-')}
spec:
  pubsubname: ps
  topic: ${topic(name)}
  routes:
    default: ${route}
  deadLetterTopic: ${deadLetterTopic}
${options.bulk ? '  bulkSubscribe:\n    enabled: true\n    maxMessagesCount: 50\n    maxAwaitDurationMs: 40\n' : ''}scopes: [dapr-test]
---
`;
}

beforeAll(async () => {
  redis = await startRedis(['--proto-max-bulk-len', '1mb']);
  resources = resourcesDir({
    'components.yaml': `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ps
spec:
  type: pubsub.redis
  version: v1
  metadata:
    - { name: redisHost, value: "${redis.host}" }
    - { name: concurrency, value: "50" }
    - { name: queueDepth, value: "50" }
scopes: [dapr-test]
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: st
spec:
  type: state.redis
  version: v1
  metadata:
    - { name: redisHost, value: "${redis.host}" }
scopes: [dapr-test]
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: tick-explicit
spec:
  type: bindings.cron
  version: v1
  metadata:
    - { name: schedule, value: "@every 1s" }
    - { name: direction, value: input }
    - { name: route, value: /tick }
scopes: [dapr-test]
---
# No direction: daprd probes the route with OPTIONS first and starts it only on 2xx/405.
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: tick-probed
spec:
  type: bindings.cron
  version: v1
  metadata:
    - { name: schedule, value: "@every 1s" }
    - { name: route, value: /tick-probed }
scopes: [dapr-test]
`,
    // Fast, bounded retries so that redelivery and dead-lettering show within a test.
    'resiliency.yaml': `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: test-resiliency
spec:
  policies:
    retries:
      quick: { policy: constant, duration: 150ms, maxRetries: 3 }
  targets:
    components:
      ps:
        inbound: { retry: quick }
scopes: [dapr-test]
`,
    'subscriptions.yaml':
      subscriptionYaml('single', '/single') +
      subscriptionYaml('bulk', '/bulk', { bulk: true }) +
      subscriptionYaml('retry', '/retry') +
      subscriptionYaml('throw', '/throw') +
      subscriptionYaml('throwbulk', '/throwbulk', { bulk: true }) +
      subscriptionYaml('exhaust', '/exhaust') +
      subscriptionYaml('drop', '/drop') +
      subscriptionYaml('skip', '/skip'),
  });
  // The app starts first (daprd connects to it) and dead-letters through the client made after.
  const lazy: Pick<DaprClient, 'publish'> = { publish: (...args) => dapr.publish(...args) };
  app = await startTestApp({
    dapr: lazy,
    topicNamespace: run,
    subscriptions: [
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/single',
        schema: Payload,
        handler: scripted('single'),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/bulk',
        schema: Payload,
        handler: scripted('bulk'),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/retry',
        schema: Payload,
        handler: scripted('retry', ['RETRY', 'RETRY']),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/throw',
        schema: Payload,
        handler: scripted('throw', ['THROW']),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/throwbulk',
        schema: Payload,
        handler: scripted('throwbulk', ['THROW']),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/exhaust',
        schema: Payload,
        handler: scripted('exhaust', Array(20).fill('RETRY')),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/drop',
        schema: Payload,
        handler: scripted('drop', ['DROP']),
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/skip',
        schema: Payload,
        handler: scripted('skip'),
        skipPublishedBefore: new Date(Date.now() + 3_600_000),
      }),
    ],
    bindings: [
      { route: '/tick', everyMs: 1000, handler: () => void ticks++ },
      { route: '/tick-probed', everyMs: 1000, handler: () => void probedTicks++ },
    ],
  });
  daprd = await startDaprd({
    appId: 'dapr-test',
    appPort: app.port,
    resourcesPaths: [resources.path],
  });
  dapr = createDaprClient({ httpPort: daprd.httpPort });
  await dapr.waitForSidecar({ timeoutMs: 5_000 });
}, 30_000);

afterAll(async () => {
  await daprd?.stop();
  await app?.close();
  await redis?.stop();
  resources?.remove();
});

/** The CloudEvents in a Redis stream (a topic), in stream order, read with redis-cli. */
function streamOf(stream: string): Array<{ data: unknown }> {
  const out = execFileSync(
    'redis-cli',
    ['-p', String(redis.port), '--json', 'XRANGE', stream, '-', '+'],
    {
      encoding: 'utf8',
    },
  );
  const entries = JSON.parse(out) as Array<[string, string[]]>;
  return entries.map(
    ([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1]!) as { data: unknown },
  );
}

/** What the one dead-letter topic holds from a topic (named as in the test: `single`). */
const deadLettersFrom = (name: string) =>
  streamOf(deadLetterTopic).filter(
    (letter) => (letter as { topic?: string }).topic === topic(name),
  ) as Array<Record<string, unknown>>;

describe('sidecar (Redis Streams, state.redis)', () => {
  it('loads the components and declarative subscriptions', async () => {
    const metadata = (await (await fetch(`${daprd.url}/v1.0/metadata`)).json()) as {
      components: Array<{ name: string; type: string }>;
      subscriptions: Array<{ topic: string; type: string }>;
    };
    expect(metadata.components.map((c) => `${c.name}=${c.type}`).sort()).toEqual([
      'ps=pubsub.redis',
      'st=state.redis',
      'tick-explicit=bindings.cron',
      'tick-probed=bindings.cron',
    ]);
    expect(metadata.subscriptions.map((s) => s.type)).toContain('DECLARATIVE');
    expect(metadata.subscriptions.map((s) => s.topic)).toContain(topic('single'));
    // daprd asked the app, and the app said "nothing programmatic".
    const subscribe = app.requests.find((r) => r.url === '/dapr/subscribe');
    expect(subscribe?.reply).toEqual([]);
  });

  it('publishes a CloudEvent and delivers it to the declarative subscription', async () => {
    const before = Date.now();
    await dapr.publish(
      'ps',
      topic('single'),
      { n: 1, note: 'hello' },
      { metadata: { partitionKey: 'user-1' } },
    );
    const [got] = await eventually(
      'the event at /single',
      () => received.single!.length > 0 && received.single,
      { context: dump },
    );
    expect(got!.data).toEqual({ n: 1, note: 'hello' });
    expect(got!.topic).toBe(topic('single'));
    expect(got!.publishedAt!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    const delivery = app.requests.find((r) => r.url === '/single')!;
    expect(delivery.contentType).toBe('application/cloudevents+json');
    expect(delivery.body).toMatchObject({
      specversion: '1.0',
      type: 'com.dapr.event.sent',
      source: 'dapr-test',
      datacontenttype: 'application/json',
      topic: topic('single'),
      pubsubname: 'ps',
      id: got!.messageId,
      data: { n: 1, note: 'hello' },
    });
    expect(delivery.reply).toEqual({ status: 'SUCCESS' });
  });

  it('bulk-publishes, and delivers in bulk with a status per entry', async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ entryId: `e${i}`, event: { n: i } }));
    const result = await dapr.publishBulk('ps', topic('bulk'), entries, {
      metadata: { partitionKey: 'user-2' },
    });
    expect(result).toEqual({ failedEntryIds: [], errors: {} });
    await eventually('30 events at /bulk', () => received.bulk!.length >= 30, { context: dump });
    expect(received.bulk!.map((r) => r.data.n).sort((a, b) => a - b)).toEqual(
      entries.map((_, i) => i),
    );
    // The wire format daprd 1.16 uses for bulkSubscribe, and what it is answered.
    const batches = app.requests.filter((r) => r.url === '/bulk');
    expect(batches.every((b) => b.contentType === 'application/json')).toBe(true);
    const first = batches[0]!.body as { entries: Array<Record<string, unknown>> };
    expect(first).toMatchObject({
      topic: topic('bulk'),
      pubsubname: 'ps',
      type: 'com.dapr.event.sent.bulk',
    });
    expect(first.entries[0]).toMatchObject({
      entryId: expect.any(String),
      contentType: 'application/cloudevents+json',
      event: { specversion: '1.0', data: { n: expect.any(Number) } },
    });
    expect(batches[0]!.reply).toEqual({
      statuses: first.entries.map((e) => ({ entryId: e.entryId, status: 'SUCCESS' })),
    });
    expect(
      Math.max(...batches.map((b) => (b.body as { entries: unknown[] }).entries.length)),
    ).toBeGreaterThan(1);
  });

  it('bulk-publishes CloudEvents built by the app as daprd would build them, refusals included', async () => {
    const traceId = '0f5b1c3e-8a8e-4d0b-9a4e-3c2f1e0d9b7a';
    const result = await dapr.publishBulk(
      'ps',
      topic('bulk'),
      [
        { entryId: 'own-1', event: { n: 201, note: 'ünïcode "quoted"' }, traceId },
        { entryId: 'own-big', event: { n: 202, note: 'x'.repeat(1_100_000) } },
        { entryId: 'own-2', event: { n: 203 }, metadata: { partitionKey: 'user-3' } },
      ],
      { cloudEventSource: 'publisher-app' },
    );
    expect(result.failedEntryIds).toEqual(['own-big']);
    await eventually('both events at /bulk', () =>
      [201, 203].every((n) => received.bulk!.some((r) => r.data.n === n)),
    );
    const delivered = app.requests
      .filter((r) => r.url === '/bulk')
      .flatMap((r) => (r.body as { entries: Array<{ event: Record<string, unknown> }> }).entries)
      .map((entry) => entry.event)
      .filter((event) => [201, 203].includes((event.data as { n: number }).n));
    expect(delivered).toHaveLength(2);
    for (const event of delivered) {
      expect(event).toMatchObject({
        specversion: '1.0',
        type: 'com.dapr.event.sent',
        source: 'publisher-app',
        datacontenttype: 'application/json',
        topic: topic('bulk'),
        pubsubname: 'ps',
        id: expect.any(String),
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
      });
    }
    const first = delivered.find((event) => (event.data as { n: number }).n === 201)!;
    expect(first.data).toEqual({ n: 201, note: 'ünïcode "quoted"' });
    expect(String(first.traceparent).split('-')[1]).toBe(traceId.replaceAll('-', ''));
  });

  it('detects the bulk entry the broker refused (not "success", unlike js-sdk #703)', async () => {
    const oversize = 'x'.repeat(1_100_000); // > proto-max-bulk-len 1mb of this Redis
    const result = await dapr.publishBulk('ps', topic('bulk'), [
      { entryId: 'ok-1', event: { n: 101 } },
      { entryId: 'too-big', event: { n: 102, note: oversize } },
      { entryId: 'ok-2', event: { n: 103 } },
    ]);
    expect(result.failedEntryIds).toEqual(['too-big']);
    // Redis answers "invalid bulk length" and closes the connection; which one daprd's
    // client sees first (the answer, or the closed socket while still writing) is a race.
    expect(result.errors['too-big']).toMatch(
      /invalid bulk length|connection reset by peer|broken pipe/,
    );
    await eventually('the two good entries at /bulk', () =>
      [101, 103].every((n) => received.bulk!.some((r) => r.data.n === n)),
    );
  });

  it('publishes the entries of one orderKey in the order given (daprd alone would not)', async () => {
    // Each key's entries side by side, the order daprd's parallel publish scrambles most.
    const entries = (orderKeys: boolean) =>
      Array.from({ length: 30 }, (_, k) =>
        Array.from({ length: 4 }, (_, v) => ({
          entryId: `k${k}v${v}`,
          event: { n: k * 10 + v },
          ...(orderKeys ? { orderKey: `k${k}` } : {}),
        })),
      ).flat();
    const scrambled = (name: string) => {
      const ns = streamOf(topic(name)).map((event) => (event.data as { n: number }).n);
      const lastOf = new Map<number, number>();
      let outOfOrder = 0;
      for (const n of ns) {
        if ((lastOf.get(Math.floor(n / 10)) ?? -1) > n % 10) outOfOrder++;
        lastOf.set(Math.floor(n / 10), n % 10);
      }
      return { count: ns.length, outOfOrder };
    };
    expect(await dapr.publishBulk('ps', topic('unordered'), entries(false))).toEqual({
      failedEntryIds: [],
      errors: {},
    });
    expect(await dapr.publishBulk('ps', topic('ordered'), entries(true))).toEqual({
      failedEntryIds: [],
      errors: {},
    });
    // Evidence of why orderKey exists: without it, daprd 1.16.5 reorders (when a release
    // publishes in order, this fails and orderKey can go).
    expect(scrambled('unordered').count).toBe(120);
    expect(scrambled('unordered').outOfOrder).toBeGreaterThan(0);
    expect(scrambled('ordered')).toEqual({ count: 120, outOfOrder: 0 });
  });

  it('does not publish an entry whose orderKey had an earlier entry refused', async () => {
    const oversize = 'x'.repeat(1_100_000); // > proto-max-bulk-len 1mb of this Redis
    const result = await dapr.publishBulk('ps', topic('ordered-refusal'), [
      { entryId: 'a1', event: { n: 1, note: oversize }, orderKey: 'a' },
      { entryId: 'b1', event: { n: 11 }, orderKey: 'b' },
      { entryId: 'a2', event: { n: 2 }, orderKey: 'a' },
      { entryId: 'b2', event: { n: 12 }, orderKey: 'b' },
    ]);
    expect(result.failedEntryIds).toEqual(['a1', 'a2']);
    expect(result.errors.a2).toBe('not sent: an earlier entry of its orderKey failed');
    expect(streamOf(topic('ordered-refusal')).map((event) => event.data)).toEqual([
      { n: 11 },
      { n: 12 },
    ]);
  });

  it('throws DaprError for a request daprd rejects as a whole', async () => {
    const error = await dapr
      .publishBulk('nope', topic('bulk'), [{ entryId: 'a', event: {} }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaprError);
    expect(error).toMatchObject({ status: 404, errorCode: 'ERR_PUBSUB_NOT_FOUND' });
    await expect(dapr.publish('nope', 't', {})).rejects.toMatchObject({
      name: 'DaprError',
      status: 404,
      errorCode: 'ERR_PUBSUB_NOT_FOUND',
      message: expect.stringMatching(
        /publish nope\/t failed: HTTP 404 ERR_PUBSUB_NOT_FOUND: pubsub nope is not found/,
      ),
    });
  });

  it('redelivers a message the handler answers RETRY', async () => {
    await dapr.publish('ps', topic('retry'), { n: 7 });
    await eventually('three attempts at /retry', () => calls.retry! >= 3, { context: dump });
    expect(answers.retry!.slice(0, 3)).toEqual(['RETRY', 'RETRY', 'SUCCESS']);
    expect(received.retry!.every((r) => r.messageId === received.retry![0]!.messageId)).toBe(true);
  });

  it('treats a throwing handler as RETRY, not as acknowledged (js-sdk #720)', async () => {
    await dapr.publish('ps', topic('throw'), { n: 8 });
    await eventually('a second attempt at /throw', () => calls.throw! >= 2, { context: dump });
    const replies = app.requests.filter((r) => r.url === '/throw').map((r) => r.reply);
    expect(replies.slice(0, 2)).toEqual([{ status: 'RETRY' }, { status: 'SUCCESS' }]);
    expect(app.logs.some((l) => l.msg === 'handler failed: retrying')).toBe(true);
    // The same in a bulk delivery: that entry alone is RETRY.
    await dapr.publish('ps', topic('throwbulk'), { n: 9 });
    await eventually('a second attempt at /throwbulk', () => calls.throwbulk! >= 2, {
      context: dump,
    });
    const bulkReplies = app.requests
      .filter((r) => r.url === '/throwbulk')
      .map((r) => r.reply as { statuses: Array<{ status: string }> });
    expect(bulkReplies[0]!.statuses.map((s) => s.status)).toEqual(['RETRY']);
  });

  it('dead-letters an invalid payload at once, says why, and keeps delivering', async () => {
    await dapr.publish('ps', topic('single'), { n: 'not a number' });
    await dapr.publish('ps', topic('single'), { n: 42 });
    await eventually(
      'the valid event after the poison one',
      () => received.single!.some((r) => r.data.n === 42),
      { context: dump },
    );
    const [dead] = await eventually(
      'the poison event on the dead-letter topic',
      () => deadLettersFrom('single').length > 0 && deadLettersFrom('single'),
      { context: dump },
    );
    // The CloudEvent as delivered (its topic, id and trace kept), plus the reason.
    const delivered = streamOf(topic('single')).find(
      (entry) => (entry.data as { n?: unknown }).n === 'not a number',
    );
    expect(dead).toEqual({
      ...delivered,
      deadletterreason: expect.stringMatching(/payload does not match its schema: n: /),
    });
    const line = app.logs.find((l) => l.msg === 'invalid message: sent to the dead-letter topic');
    expect(line).toMatchObject({
      topic: topic('single'),
      reason: expect.stringMatching(/^payload does not match/),
    });
    // Acknowledged once dead-lettered, never retried. The reply is recorded as it is sent,
    // which can be just after the dead letter is in the broker.
    const poisonDeliveries = () =>
      app.requests.filter(
        (r) =>
          r.url === '/single' && (r.body as { data?: { n?: unknown } }).data?.n === 'not a number',
      );
    await eventually(
      'the reply to the poison delivery',
      () => poisonDeliveries().every((r) => r.reply !== undefined),
      { context: dump },
    );
    expect(poisonDeliveries().map((r) => r.reply)).toEqual([{ status: 'SUCCESS' }]);
  });

  it('dead-letters an invalid entry of a bulk delivery, and handles the others', async () => {
    const result = await dapr.publishBulk('ps', topic('bulk'), [
      { entryId: 'bad', event: { nope: true } },
      { entryId: 'good', event: { n: 201 } },
    ]);
    expect(result.failedEntryIds).toEqual([]);
    await eventually('the good entry', () => received.bulk!.some((r) => r.data.n === 201), {
      context: dump,
    });
    const dead = await eventually(
      'the bad entry on the dead-letter topic',
      () => deadLettersFrom('bulk').find((b) => (b.data as { nope?: boolean })?.nope),
      { context: dump },
    );
    expect(dead.deadletterreason).toMatch(/n: /);
  });

  it('sends a message that is retried to the end of the inbound policy to the dead-letter topic', async () => {
    await dapr.publish('ps', topic('exhaust'), { n: 11 });
    const dead = await eventually(
      'the exhausted event on the dead-letter topic',
      () => deadLettersFrom('exhaust')[0],
      { context: dump, timeoutMs: 15_000 },
    );
    expect(dead.data).toEqual({ n: 11 });
    expect(calls.exhaust).toBe(4); // 1 + maxRetries 3
  });

  it('lets daprd dead-letter a message the handler DROPs', async () => {
    await dapr.publish('ps', topic('drop'), { n: 12 });
    const dead = await eventually(
      'the dropped event on the dead-letter topic',
      () => deadLettersFrom('drop')[0],
      { context: dump },
    );
    expect(dead.data).toEqual({ n: 12 });
    expect(calls.drop).toBe(1);
  });

  it('acknowledges without handling what was published before skipPublishedBefore', async () => {
    await dapr.publish('ps', topic('skip'), { n: 13 });
    const delivery = await eventually('the delivery at /skip', () =>
      app.requests.find((r) => r.url === '/skip' && r.reply),
    );
    expect(delivery.reply).toEqual({ status: 'SUCCESS' });
    expect(calls.skip).toBe(0);
  });

  it('fires cron bindings: an explicit input binding, and one behind the OPTIONS probe', async () => {
    await eventually('two ticks of each binding', () => ticks >= 2 && probedTicks >= 2, {
      context: dump,
      timeoutMs: 5_000,
    });
    const tick = app.requests.find((r) => r.url === '/tick' && r.method === 'POST')!;
    expect(tick.contentType).toBe('application/json');
    expect(tick.body).toBeUndefined(); // empty body
    expect(tick.status).toBe(200);
    // daprd probed the route without `direction` at startup; the 200 made it start the binding.
    expect(
      app.requests.filter((r) => r.method === 'OPTIONS').map((r) => [r.url, r.status]),
    ).toEqual([['/tick-probed', 200]]);
  });
});

describe('state (state.redis)', () => {
  const key = (name: string) => `${run}-${name}`;

  it('reads back the value with its etag, and refuses a stale etag', async () => {
    await dapr.saveState('st', [{ key: key('a'), value: { v: 1 } }]);
    const first = await dapr.getState('st', key('a'), z.object({ v: z.number() }));
    expect(first).toEqual({ value: { v: 1 }, etag: expect.any(String) });
    await dapr.saveState('st', [{ key: key('a'), value: { v: 2 }, etag: first!.etag }]);
    const second = await dapr.getState('st', key('a'));
    expect(second!.value).toEqual({ v: 2 });
    expect(second!.etag).not.toBe(first!.etag);
    const stale = await dapr
      .saveState('st', [{ key: key('a'), value: { v: 3 }, etag: first!.etag }])
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(EtagMismatchError);
    expect(stale).toMatchObject({ status: 409, errorCode: 'ERR_STATE_SAVE' });
    expect((await dapr.getState('st', key('a')))!.value).toEqual({ v: 2 });
  });

  it('deletes only with the current etag', async () => {
    await dapr.saveState('st', [{ key: key('d'), value: 'x' }]);
    const { etag } = (await dapr.getState('st', key('d')))!;
    await expect(dapr.deleteState('st', key('d'), { etag: '999' })).rejects.toBeInstanceOf(
      EtagMismatchError,
    );
    await dapr.deleteState('st', key('d'), { etag });
    expect(await dapr.getState('st', key('d'))).toBeUndefined();
    await dapr.deleteState('st', key('never-there')); // absent keys are fine
  });

  it('first-write creates a key once (an idempotency key)', async () => {
    await dapr.saveState('st', [{ key: key('idem'), value: 1, concurrency: 'first-write' }]);
    await expect(
      dapr.saveState('st', [{ key: key('idem'), value: 2, concurrency: 'first-write' }]),
    ).rejects.toBeInstanceOf(EtagMismatchError);
    expect((await dapr.getState('st', key('idem')))!.value).toBe(1);
  });

  it('applies a transaction, and reports a stale etag in it as EtagMismatchError', async () => {
    await dapr.saveState('st', [
      { key: key('t1'), value: 1 },
      { key: key('t2'), value: 2 },
    ]);
    const t1 = (await dapr.getState('st', key('t1')))!;
    await dapr.stateTransaction('st', [
      { operation: 'upsert', key: key('t1'), value: 10, etag: t1.etag },
      { operation: 'delete', key: key('t2') },
      { operation: 'upsert', key: key('t3'), value: 3 },
    ]);
    expect((await dapr.getState('st', key('t1')))!.value).toBe(10);
    expect(await dapr.getState('st', key('t2'))).toBeUndefined();
    expect((await dapr.getState('st', key('t3')))!.value).toBe(3);
    const failed = await dapr
      .stateTransaction('st', [
        { operation: 'upsert', key: key('t1'), value: 11, etag: t1.etag }, // stale
        { operation: 'upsert', key: key('t3'), value: 30 },
      ])
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(EtagMismatchError);
    expect(failed).toMatchObject({ status: 500, errorCode: 'ERR_STATE_TRANSACTION' });
    expect((await dapr.getState('st', key('t1')))!.value).toBe(10);
    // state.redis runs a transaction as MULTI/EXEC, which has no rollback: the operation after
    // the failed etag check WAS applied. (PostgreSQL rolls back: see canonical-resources.test.ts.)
    expect((await dapr.getState('st', key('t3')))!.value).toBe(30);
  });

  it('expires a key after its TTL', async () => {
    await dapr.saveState('st', [{ key: key('ttl'), value: 'soon gone', ttlSeconds: 1 }]);
    expect((await dapr.getState('st', key('ttl')))!.value).toBe('soon gone');
    await eventually(
      'the key to expire',
      async () => (await dapr.getState('st', key('ttl'))) === undefined,
      { timeoutMs: 3_000 },
    );
    await dapr.stateTransaction('st', [
      { operation: 'upsert', key: key('ttl-tx'), value: 1, ttlSeconds: 1 },
    ]);
    await eventually(
      'the transaction key to expire',
      async () => (await dapr.getState('st', key('ttl-tx'))) === undefined,
      { timeoutMs: 3_000 },
    );
  });

  it('rejects a TTL that is not whole seconds before calling the sidecar', async () => {
    await expect(
      dapr.saveState('st', [{ key: key('bad-ttl'), value: 1, ttlSeconds: 0.5 }]),
    ).rejects.toThrow(RangeError);
  });
});

describe('getBulkState (state.redis)', () => {
  it('answers the stored keys with their etags and leaves out the absent ones', async () => {
    await dapr.saveState('st', [
      { key: `${run}-x`, value: { n: 1 } },
      { key: `${run}-y`, value: 'two' },
    ]);
    const entries = await dapr.getBulkState('st', [`${run}-x`, `${run}-y`, `${run}-none`]);
    expect([...entries.keys()].sort()).toEqual([`${run}-x`, `${run}-y`]);
    expect(entries.get(`${run}-x`)).toEqual({ value: { n: 1 }, etag: expect.any(String) });
    expect(entries.get(`${run}-y`)!.value).toBe('two');
    // The etag is the store's: a write with it succeeds.
    await dapr.saveState('st', [
      { key: `${run}-x`, value: { n: 2 }, etag: entries.get(`${run}-x`)!.etag },
    ]);
    expect(await dapr.getBulkState('st', [])).toEqual(new Map());
  });
});

// The replicas of one app share one board: here several boards behind the one daprd (one app
// id, so one key prefix), as several replicas behind their own sidecars would be.
describe('createReplicaBoard', () => {
  it("lets each replica read the others' latest documents, not its own", async () => {
    const board = (id: string) =>
      createReplicaBoard<{ from: string; n: number }>(dapr, {
        store: 'st',
        name: `${run}-board`,
        ttlSeconds: 5,
        replicaId: id,
      });
    const boards = { a: board('a'), b: board('b'), c: board('c') };
    // All at once, as replicas do: a join that lost the race to another is retried on the next
    // exchange, and a replica reads the documents of whoever the roster listed last time.
    for (let n = 0; n < 5; n++) {
      await Promise.all(Object.entries(boards).map(([from, b]) => b.exchange({ from, n })));
    }
    const fromA = await boards.a.exchange({ from: 'a', n: 5 });
    expect(fromA.sort((x, y) => x.from.localeCompare(y.from))).toEqual([
      { from: 'b', n: 4 },
      { from: 'c', n: 4 },
    ]);
    expect(await boards.c.exchange({ from: 'c', n: 5 })).toEqual(
      expect.arrayContaining([
        { from: 'a', n: 5 },
        { from: 'b', n: 4 },
      ]),
    );
    const roster = await dapr.getState<Record<string, number>>('st', `${run}-board/roster`);
    // Joins that raced were retried, not lost: all three are listed.
    expect(Object.keys(roster!.value).sort()).toEqual(['a', 'b', 'c']);
  });

  it('forgets a replica whose document expired (it stopped publishing)', async () => {
    const name = `${run}-fade`;
    const live = createReplicaBoard<string>(dapr, {
      store: 'st',
      name,
      ttlSeconds: 1,
      replicaId: 'live',
    });
    const gone = createReplicaBoard<string>(dapr, {
      store: 'st',
      name,
      ttlSeconds: 1,
      replicaId: 'gone',
    });
    await gone.exchange('gone');
    await live.exchange('live');
    expect(await live.exchange('live')).toEqual(['gone']);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await live.exchange('live')).toEqual([]);
  });

  it('throws when the sidecar is out of reach (the limiter then fails open)', async () => {
    const nobody = createDaprClient({ httpPort: 1, timeoutMs: 200 });
    const board = createReplicaBoard(nobody, { store: 'st', name: 'x', ttlSeconds: 2 });
    await expect(board.exchange({})).rejects.toBeInstanceOf(SidecarUnavailableError);
  });
});

describe('tokens', () => {
  it('enforces APP_API_TOKEN on the sidecar routes, and lets daprd through', async () => {
    let delivered = 0;
    let tocked = 0;
    const tokenResources = resourcesDir({
      'c.yaml': `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: ps }
spec:
  type: pubsub.redis
  version: v1
  metadata: [{ name: redisHost, value: "${redis.host}" }]
scopes: [token-test]
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: tock }
spec:
  type: bindings.cron
  version: v1
  metadata: [{ name: schedule, value: "@every 1s" }, { name: route, value: /tock }]
scopes: [token-test]
---
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: guarded }
spec: { pubsubname: ps, topic: ${topic('guarded')}, routes: { default: /guarded } }
scopes: [token-test]
`,
    });
    const guardedClient = createDaprClient({ httpPort: 1 });
    const guarded = await startTestApp({
      dapr: guardedClient,
      appApiToken: 'app-secret',
      subscriptions: [
        defineSubscription({
          topic: 'tasks.events',
          audience: 'shared',
          route: '/guarded',
          schema: Payload,
          handler: () => (delivered++, 'SUCCESS'),
        }),
      ],
      bindings: [{ route: '/tock', everyMs: 1000, handler: () => void tocked++ }],
    });
    const sidecar = await startDaprd({
      appId: 'token-test',
      appPort: guarded.port,
      resourcesPaths: [tokenResources.path],
      appApiToken: 'app-secret',
      daprApiToken: 'dapr-secret',
    });
    try {
      const base = `http://127.0.0.1:${guarded.port}`;
      for (const [method, path] of [
        ['GET', '/dapr/subscribe'],
        ['GET', '/dapr/config'],
        ['POST', '/guarded'],
        ['POST', '/tock'],
        ['OPTIONS', '/tock'],
      ] as const) {
        const none = await fetch(base + path, { method });
        expect(none.status, `${method} ${path} without a token`).toBe(401);
        const wrong = await fetch(base + path, {
          method,
          headers: { 'dapr-api-token': 'app-secreT' },
        });
        expect(wrong.status, `${method} ${path} with a wrong token`).toBe(401);
      }
      expect(await (await fetch(`${base}/dapr/subscribe`)).json()).toMatchObject({
        error: { code: 'unauthorized' },
      });

      // DAPR_API_TOKEN: the client sends it; without it daprd answers 401.
      const withToken = createDaprClient({ httpPort: sidecar.httpPort, apiToken: 'dapr-secret' });
      const withoutToken = createDaprClient({ httpPort: sidecar.httpPort });
      await expect(withoutToken.publish('ps', topic('guarded'), { n: 1 })).rejects.toMatchObject({
        name: 'DaprError',
        status: 401,
      });
      await withToken.publish('ps', topic('guarded'), { n: 1 });
      await eventually('the delivery through the token check', () => delivered > 0 && tocked > 0, {
        context: () => sidecar.logs(),
      });
      const fromDaprd = guarded.requests.filter((r) => r.url === '/guarded' || r.url === '/tock');
      expect(fromDaprd.length).toBeGreaterThan(0);
      expect(fromDaprd.every((r) => r.token === 'app-secret' && r.status === 200)).toBe(true);
    } finally {
      await sidecar.stop();
      await guarded.close();
      tokenResources.remove();
    }
  });
});

describe('failures', () => {
  it('fails fast and clearly when no sidecar runs', async () => {
    const port = await freePort();
    const client = createDaprClient({ httpPort: port });
    const started = Date.now();
    const error = await client.publish('ps', 't', {}).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(SidecarUnavailableError);
    expect((error as Error).message).toBe(
      `publish ps/t failed: cannot reach the Dapr sidecar at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
    await expect(client.getState('st', 'k')).rejects.toBeInstanceOf(SidecarUnavailableError);

    const waitStarted = Date.now();
    const waited = await client.waitForSidecar({ timeoutMs: 600 }).catch((e: unknown) => e);
    expect(Date.now() - waitStarted).toBeLessThan(1_500);
    expect(waited).toBeInstanceOf(SidecarUnavailableError);
    expect((waited as Error).message).toMatch(
      new RegExp(
        `not ready within 600 ms at http://127.0.0.1:${port}/v1.0/healthz/outbound \\(last: .*ECONNREFUSED\\)\\)\\. Is daprd running with --dapr-http-port ${port}\\?`,
      ),
    );
  });

  it('times out on a hung sidecar instead of hanging', async () => {
    const client = createDaprClient({ httpPort: daprd.httpPort, timeoutMs: 500 });
    await daprd.hang();
    try {
      const started = Date.now();
      const error = await client.publish('ps', topic('single'), { n: 99 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error).toBeInstanceOf(SidecarUnavailableError);
      expect((error as Error).message).toMatch(
        /no answer from the Dapr sidecar at .* within 500 ms/,
      );
    } finally {
      daprd.kill('SIGCONT');
    }
    await dapr.waitForSidecar({ timeoutMs: 5_000 });
  });

  it('throws the component error quickly when the broker is down', async () => {
    const broker = await startRedis();
    const outage = resourcesDir({
      'c.yaml': `apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: ps }
spec:
  type: pubsub.redis
  version: v1
  # One try per attempt: on daprd 1.18 (go-redis v9.21) a try already dials 5 times.
  metadata:
    - { name: redisHost, value: "${broker.host}" }
    - { name: redisMaxRetries, value: "-1" }
scopes: [outage]
`,
      // daprd reads a Resiliency only as the first document of its file.
      'resiliency.yaml': `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: outage-resiliency }
spec:
  policies:
    retries:
      publish: { policy: exponential, maxInterval: 2s, maxRetries: 3 }
  targets:
    components:
      ps: { outbound: { retry: publish } }
scopes: [outage]
`,
    });
    const sidecar = await startDaprd({ appId: 'outage', resourcesPaths: [outage.path] });
    try {
      const client = createDaprClient({ httpPort: sidecar.httpPort });
      await client.publish('ps', topic('outage'), { n: 1 });
      broker.process.kill('SIGKILL');
      await broker.process.exited;
      const started = Date.now();
      const error = await client.publish('ps', topic('outage'), { n: 2 }).catch((e: unknown) => e);
      const took = Date.now() - started;
      expect(error).toBeInstanceOf(DaprError);
      expect(error).toMatchObject({ status: 500, errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE' });
      expect((error as Error).message).toMatch(
        /redis streams: error from publish: .*connection refused/,
      );
      // Three retries with backoff (as dapr/components/common/resiliency.yaml), then the error.
      expect(took).toBeLessThan(6_000);
      expect(sidecar.logs()).toMatch(
        /Error processing operation component\[ps\] output\. Retrying in/,
      );
    } finally {
      await sidecar.stop();
      await broker.stop();
      outage.remove();
    }
  });
});
