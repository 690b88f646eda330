import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues, publishedBefore, readMessage } from './deliveries.ts';

const where = { topic: 'tasks.events', pubsub: 'taskflow-pubsub', fallbackId: 'entry-1' };

// A single delivery as daprd 1.16 sent it in test/redis.test.ts.
const cloudEvent = {
  data: { n: 1 },
  datacontenttype: 'application/json',
  id: '1413bdcd-74bd-47f1-a445-f5e40c28e49b',
  pubsubname: 'ps',
  source: 'exp',
  specversion: '1.0',
  time: '2026-11-28T20:28:40Z',
  topic: 'exp.single',
  traceid: '',
  traceparent: '',
  tracestate: '',
  type: 'com.dapr.event.sent',
};

describe('readMessage', () => {
  it('reads a CloudEvent: its id, topic, pub/sub (the subscriber side), time and data', () => {
    expect(readMessage(cloudEvent, where)).toEqual({
      id: cloudEvent.id,
      topic: 'exp.single',
      pubsub: 'taskflow-pubsub',
      publishedAt: new Date('2026-11-28T20:28:40Z'),
      data: { n: 1 },
      cloudEvent,
    });
  });

  it("takes the CloudEvent's pub/sub only when daprd did not name the subscriber's", () => {
    expect(readMessage(cloudEvent, { ...where, pubsub: 'unknown' })).toMatchObject({
      pubsub: 'ps',
    });
  });

  it('decodes data_base64, and a raw payload entry', () => {
    const encoded = Buffer.from(JSON.stringify({ n: 2 })).toString('base64');
    expect(
      readMessage({ ...cloudEvent, data: undefined, data_base64: encoded }, where),
    ).toMatchObject({ data: { n: 2 } });
    expect(readMessage(encoded, where)).toEqual({
      id: 'entry-1',
      topic: 'tasks.events',
      pubsub: 'taskflow-pubsub',
      publishedAt: undefined,
      data: { n: 2 },
      cloudEvent: undefined,
    });
  });

  it('says why something is not a message', () => {
    expect(readMessage({ data: {} }, where)).toEqual({
      unreadable: 'not a CloudEvent (no string id)',
    });
    expect(readMessage(undefined, where)).toEqual({
      unreadable: 'not a CloudEvent (no string id)',
    });
    expect(readMessage('%%%', where)).toEqual({
      unreadable: 'raw payload is not base64-encoded JSON',
    });
  });

  it('falls back to the envelope for topic and pub/sub, and ignores a bad time', () => {
    const message = readMessage({ id: 'x', data: 1, time: 'yesterday' }, where);
    expect(message).toMatchObject({
      topic: 'tasks.events',
      pubsub: 'taskflow-pubsub',
      publishedAt: undefined,
    });
  });
});

describe('publishedBefore', () => {
  const at = (time: string) =>
    readMessage({ ...cloudEvent, time }, where) as Exclude<
      ReturnType<typeof readMessage>,
      { unreadable: string }
    >;

  it('compares at whole seconds, never skipping a message of the cutoff second', () => {
    const cutoff = new Date('2026-11-28T12:00:00.700Z');
    expect(publishedBefore(at('2026-11-28T11:59:59Z'), cutoff)).toBe(true);
    expect(publishedBefore(at('2026-11-28T12:00:00Z'), cutoff)).toBe(false); // maybe after .700
    expect(publishedBefore(at('2026-11-28T12:00:01Z'), cutoff)).toBe(false);
  });

  it('keeps messages without a time', () => {
    const message = readMessage({ id: 'x', data: 1 }, where) as Exclude<
      ReturnType<typeof readMessage>,
      { unreadable: string }
    >;
    expect(publishedBefore(message, new Date())).toBe(false);
  });
});

describe('describeIssues', () => {
  it('lists paths and messages, shortened', () => {
    const error = z
      .object({ n: z.number(), user: z.object({ id: z.string() }) })
      .safeParse({ n: 'x', user: {} }).error!;
    expect(describeIssues(error)).toMatch(/^n: .*; user\.id: /);
    expect(describeIssues(error, 10)).toHaveLength(10);
    expect(describeIssues(z.number().safeParse('x').error!)).toMatch(/^\(root\): /);
  });
});
