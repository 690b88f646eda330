import { describe, expect, it } from 'vitest';
import { WsClientMessage, WsResumeQuery, WsServerMessage } from './ws.ts';

const event = {
  type: 'task.updated',
  data: {
    id: '7f1c7c9e-7a55-4c1a-9d4f-2d5c6b7a8e90',
    title: 't',
    completed: false,
    due_date: null,
  },
  timestamp: '2026-02-15T08:45:00.000Z',
  correlation_id: 'c',
  event_id: '0b9e7d2c-2f4e-4c53-a8a2-0d2b1e6c9f10',
  aggregate_version: 2,
};

describe('the realtime protocol', () => {
  it('tells server messages apart by type', () => {
    expect(WsServerMessage.parse(event).type).toBe('task.updated');
    expect(
      WsServerMessage.parse({ type: 'hello', heartbeat_interval_ms: 30_000, replayed: 2 }),
    ).toMatchObject({ replayed: 2 });
    expect(WsServerMessage.parse({ type: 'resync', reason: 'not_in_buffer' }).type).toBe('resync');
    expect(WsServerMessage.parse({ type: 'pong' }).type).toBe('pong');
    expect(WsServerMessage.safeParse({ type: 'hello' }).success).toBe(false);
    expect(WsServerMessage.safeParse({ type: 'nope' }).success).toBe(false);
  });

  it('accepts only a bare ping from clients', () => {
    expect(WsClientMessage.safeParse({ type: 'ping' }).success).toBe(true);
    expect(WsClientMessage.safeParse({ type: 'ping', extra: 1 }).success).toBe(false);
    expect(WsClientMessage.safeParse({ type: 'subscribe', user_id: 'bob' }).success).toBe(false);
    expect(WsClientMessage.safeParse('ping').success).toBe(false);
  });

  it('resumes only after a well-formed event id', () => {
    expect(WsResumeQuery.safeParse({ last_event_id: event.event_id }).success).toBe(true);
    expect(WsResumeQuery.safeParse({ last_event_id: 'latest' }).success).toBe(false);
    expect(WsResumeQuery.safeParse({}).success).toBe(true);
  });
});
