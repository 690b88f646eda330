import type { EventEnvelope } from '@taskflow/contracts';
import { describe, expect, it } from 'vitest';
import type { WatchedSocket } from './sockets.ts';
import type { Evidence } from './verdict.ts';
import { delivery, expectations, judge } from './verdict.ts';

const TASK = '6f1c2a4e-0000-4000-8000-000000000001';
const USER = 'chaos-0';

const taskEvent = (type: string, version: number, second: number) =>
  ({
    event_type: type,
    event_id: `00000000-0000-4000-8000-00000000000${version}`,
    aggregate_id: TASK,
    aggregate_version: version,
    user_id: USER,
    timestamp: new Date(Date.UTC(2026, 11, 7, 12, 0, second)).toISOString(),
    correlation_id: 'c',
    data: { id: TASK, title: 't', completed: false, due_date: null, version },
  }) as unknown as EventEnvelope;

const socket = (received: EventEnvelope[]) =>
  ({
    user: { id: USER },
    replica: 0,
    received: new Set(received.map((e) => e.event_id)),
    newest: new Map(received.map((e) => [TASK, e.aggregate_version])),
    snapshots: [],
  }) as unknown as WatchedSocket;

describe('the chaos delivery check', () => {
  const created = taskEvent('task.created', 1, 0);
  const updated = taskEvent('task.updated', 2, 1);
  const expected = expectations(new Map([[USER, [created, updated]]]));

  it('accounts for a version the server did not send because a later one went first', () => {
    const result = delivery([socket([updated])], expected);
    expect(result).toMatchObject({ required: 2, live: 1, superseded: 1, lost: 0 });
  });

  it('counts the newest version of a task as lost when it never arrived', () => {
    const result = delivery([socket([created])], expected);
    expect(result).toMatchObject({ required: 2, live: 1, superseded: 0, lost: 1 });
    expect(result.examples[0]).toContain('task.updated');
  });
});

describe('the chaos verdict on unanswered requests', () => {
  const kill = {
    kind: 'service' as const,
    label: 'task-api#0',
    downAt: 10_000,
    upAt: 11_000,
    readyAt: 12_000,
  };
  const evidence = (at: number, endedAt: number): Evidence =>
    ({
      traffic: {
        attempts: [
          {
            at,
            endedAt,
            method: 'PATCH',
            route: '/tasks/:id',
            replica: 0,
            status: 'network',
            attempt: 1,
          },
        ],
        gaveUp: [],
      },
      workload: { unexpected: [] },
      sockets: [],
      events: new Map(),
      faults: [kill],
      crashes: [],
      replay: { code: 0, stdout: '' },
      cutoff: 20_000,
    }) as unknown as Evidence;

  it('excuses a request its replica was killed under, even one sent just before the kill', () => {
    expect(judge(evidence(9_995, 10_001)).violations).toEqual([]);
    expect(judge(evidence(12_500, 12_501)).violations).toEqual([]);
  });

  it('blames a request that got no answer with no fault of its replica under way', () => {
    const [violation] = judge(evidence(5_000, 5_002)).violations;
    expect(violation).toContain('no answer on PATCH /tasks/:id to task-api#0');
    expect(violation).toContain('the nearest fault: task-api#0');
  });
});
