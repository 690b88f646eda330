import { cloudEventOf, EventEnvelope, freshTask, makeEvent } from '@taskflow/contracts';
import { describe, expect, it } from 'vitest';
import { cloudEventJson, w3cTraceId } from './cloud-event.ts';

const target = { source: 'task-api', pubsub: 'taskflow-pubsub', topic: 'tasks.events' };

describe('cloudEventJson', () => {
  it('builds the CloudEvent daprd would: its attributes, the data as JSON, time to the second', () => {
    const event = JSON.parse(
      cloudEventJson('{"id":"t1","n":1}', target, { now: new Date('2026-11-29T05:04:22.123Z') }),
    ) as Record<string, unknown>;
    expect(event).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      source: 'task-api',
      type: 'com.dapr.event.sent',
      datacontenttype: 'application/json',
      time: '2026-11-29T05:04:22Z',
      topic: 'tasks.events',
      pubsubname: 'taskflow-pubsub',
      traceid: event.traceparent,
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
      tracestate: '',
      data: { id: 't1', n: 1 },
    });
  });

  it('is the CloudEvent the contracts (and the AsyncAPI document) describe', () => {
    const task = freshTask(
      { id: crypto.randomUUID(), user_id: 'alice', title: 'Buy milk' },
      new Date().toISOString(),
    );
    const event = makeEvent('task.created', task, task, {
      userId: 'alice',
      correlationId: crypto.randomUUID(),
    });
    const json = cloudEventJson(JSON.stringify(event), target, { traceId: event.correlation_id });
    const parsed = cloudEventOf(EventEnvelope).safeParse(JSON.parse(json));
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.data).toEqual(event);
  });

  it('gives every CloudEvent an id and a span of its own', () => {
    const [a, b] = [1, 2].map(
      () => JSON.parse(cloudEventJson('{}', target)) as { id: string; traceparent: string },
    );
    expect(a!.id).not.toBe(b!.id);
    expect(a!.traceparent).not.toBe(b!.traceparent);
  });

  it('puts events with the same trace id (a correlation id) in one trace', () => {
    const traceId = '0f5b1c3e-8a8e-4d0b-9a4e-3c2f1e0d9b7a';
    const parents = [1, 2].map(
      () =>
        (JSON.parse(cloudEventJson('{}', target, { traceId })) as { traceparent: string })
          .traceparent,
    );
    for (const parent of parents)
      expect(parent.split('-')[1]).toBe('0f5b1c3e8a8e4d0b9a4e3c2f1e0d9b7a');
  });
});

describe('w3cTraceId', () => {
  it('takes a UUID or 32 hex digits, in lower case', () => {
    expect(w3cTraceId('0F5B1C3E-8A8E-4D0B-9A4E-3C2F1E0D9B7A')).toBe(
      '0f5b1c3e8a8e4d0b9a4e3c2f1e0d9b7a',
    );
  });

  it.each([undefined, '', 'req-42', '00000000-0000-0000-0000-000000000000', 'g'.repeat(32)])(
    'starts a new trace for %j',
    (candidate) => {
      const id = w3cTraceId(candidate);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).not.toMatch(/^0+$/);
    },
  );
});
