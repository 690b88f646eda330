import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PublishOptions } from '../client/publish.ts';
import { registerSidecarRoutes } from './sidecar-routes.ts';
import { defineSubscription } from '@taskflow/messaging';

// The routes on a bare Fastify (no service-kit): they must parse what daprd sends by themselves.
// Real daprd deliveries are in test/*.test.ts; these are the edges daprd rarely produces.
interface Published {
  pubsub: string;
  topic: string;
  event: unknown;
  options: PublishOptions | undefined;
}

let app: FastifyInstance;
afterEach(() => app?.close());

async function build(options: { failPublish?: boolean; token?: string } = {}) {
  const published: Published[] = [];
  const handled: unknown[] = [];
  let ticks = 0;
  app = Fastify();
  await registerSidecarRoutes(app, {
    dapr: {
      publish: async (pubsub, topic, event, opts) => {
        if (options.failPublish) throw new Error('broker down');
        published.push({ pubsub, topic, event, options: opts });
      },
    },
    appApiToken: options.token,
    subscriptions: [
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/events/tasks',
        schema: z.object({ n: z.number() }),
        handler: (data) => {
          handled.push(data);
          if (data.n === 13) throw new Error('unlucky');
          if (data.n === 14) return 'MAYBE' as 'SUCCESS';
          return 'SUCCESS';
        },
      }),
    ],
    bindings: [{ route: '/tick', everyMs: 1000, handler: async () => void ticks++ }],
  });
  return { published, handled, ticks: () => ticks };
}

const event = (data: unknown, id = 'm1') => ({
  id,
  specversion: '1.0',
  topic: 'tasks.events',
  pubsubname: 'taskflow-pubsub',
  data,
});
const single = (body: unknown) =>
  app.inject({
    method: 'POST',
    url: '/events/tasks',
    headers: { 'content-type': 'application/cloudevents+json' },
    payload: JSON.stringify(body),
  });
const bulk = (entries: unknown[]) =>
  app.inject({
    method: 'POST',
    url: '/events/tasks',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      topic: 'tasks.events',
      pubsubname: 'taskflow-pubsub',
      type: 'com.dapr.event.sent.bulk',
      entries,
    }),
  });

describe('subscription routes', () => {
  it('answers SUCCESS, RETRY for a throw or an unknown status', async () => {
    await build();
    expect((await single(event({ n: 1 }))).json()).toEqual({ status: 'SUCCESS' });
    expect((await single(event({ n: 13 }))).json()).toEqual({ status: 'RETRY' });
    expect((await single(event({ n: 14 }))).json()).toEqual({ status: 'RETRY' });
  });

  it('dead-letters an invalid payload with the reason, then answers SUCCESS', async () => {
    const { published, handled } = await build();
    expect((await single(event({ n: 'x' }))).json()).toEqual({ status: 'SUCCESS' });
    expect(handled).toEqual([]);
    expect(published).toHaveLength(1);
    const [dead] = published;
    expect(dead).toMatchObject({
      pubsub: 'taskflow-pubsub',
      topic: 'events.deadletter',
      event: {
        id: 'm1',
        data: { n: 'x' },
        deadletterreason: expect.stringMatching(/^payload does not match its schema: n: /),
      },
      // As is: daprd would set the CloudEvent's `topic` to the dead-letter topic's.
      options: {
        contentType: 'application/cloudevents+json',
        rawPayload: true,
        metadata: { deadLetterReason: expect.any(String) },
      },
    });
  });

  it('answers RETRY when even the dead-letter publish fails: nothing vanishes', async () => {
    await build({ failPublish: true });
    expect((await single(event({ n: 'x' }))).json()).toEqual({ status: 'RETRY' });
  });

  it('answers DROP for what is not a CloudEvent (daprd then dead-letters the original)', async () => {
    await build();
    expect((await single({ hello: 'world' })).json()).toEqual({ status: 'DROP' });
  });

  it('answers a bulk delivery entry by entry, in order', async () => {
    const { handled, published } = await build();
    const response = await bulk([
      { entryId: 'a', event: event({ n: 1 }, 'a'), contentType: 'application/cloudevents+json' },
      {
        entryId: 'b',
        event: event({ n: 'bad' }, 'b'),
        contentType: 'application/cloudevents+json',
      },
      { entryId: 'c', event: event({ n: 13 }, 'c'), contentType: 'application/cloudevents+json' },
      { entryId: 'd', event: 42 },
      { entryId: 'e', event: event({ n: 2 }, 'e') },
    ]);
    expect(response.json()).toEqual({
      statuses: [
        { entryId: 'a', status: 'SUCCESS' },
        { entryId: 'b', status: 'SUCCESS' },
        { entryId: 'c', status: 'RETRY' },
        { entryId: 'd', status: 'DROP' },
        { entryId: 'e', status: 'SUCCESS' },
      ],
    });
    expect(handled).toEqual([{ n: 1 }, { n: 13 }, { n: 2 }]);
    expect(published.map((p) => p.topic)).toEqual(['events.deadletter']);
  });

  it('rejects a malformed bulk envelope with 400 (daprd retries, then dead-letters)', async () => {
    await build();
    const response = await app.inject({
      method: 'POST',
      url: '/events/tasks',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ entries: [{ nope: true }] }),
    });
    expect(response.statusCode).toBe(400);
  });

  it('lets unknown routes 404 (daprd drops those)', async () => {
    await build();
    expect((await app.inject({ method: 'POST', url: '/events/unknown' })).statusCode).toBe(404);
  });
});

describe('cron binding routes', () => {
  it('takes the empty JSON POST and answers the OPTIONS probe', async () => {
    const { ticks } = await build();
    const tick = await app.inject({
      method: 'POST',
      url: '/tick',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(tick.statusCode).toBe(200);
    expect(ticks()).toBe(1);
    expect((await app.inject({ method: 'OPTIONS', url: '/tick' })).statusCode).toBe(200);
  });

  it('skips a tick while the previous one runs', async () => {
    let release = () => {};
    let runs = 0;
    app = Fastify();
    await registerSidecarRoutes(app, {
      dapr: { publish: async () => {} },
      bindings: [
        {
          route: '/slow',
          everyMs: 1000,
          handler: () =>
            new Promise<void>((resolve) => {
              runs++;
              release = resolve;
            }),
        },
      ],
    });
    const first = app.inject({
      method: 'POST',
      url: '/slow',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await app.inject({
      method: 'POST',
      url: '/slow',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(second.statusCode).toBe(200);
    release();
    expect((await first).statusCode).toBe(200);
    expect(runs).toBe(1);
  });
});

describe('GET /dapr/*', () => {
  it('declares no programmatic subscriptions and no app config', async () => {
    await build();
    expect((await app.inject('/dapr/subscribe')).json()).toEqual([]);
    expect((await app.inject('/dapr/config')).json()).toEqual({});
  });

  it('requires dapr-api-token when an APP_API_TOKEN is set, on every sidecar route only', async () => {
    await build({ token: 't0ken' });
    app.get('/healthz', async () => 'ok'); // the app's own routes are not affected
    expect((await app.inject('/dapr/subscribe')).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/dapr/subscribe', headers: { 'dapr-api-token': 't0ken' } }))
        .statusCode,
    ).toBe(200);
    expect((await app.inject({ method: 'OPTIONS', url: '/tick' })).statusCode).toBe(401);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it("keeps its lenient JSON parser to itself: the app's own routes keep Fastify's", async () => {
    await build();
    app.post('/own', async (request) => ({ got: request.body ?? null }));
    const empty = {
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      payload: '',
    };
    expect((await app.inject({ ...empty, url: '/own' })).statusCode).toBe(400);
    expect((await app.inject({ ...empty, url: '/tick' })).statusCode).toBe(200);
  });
});
