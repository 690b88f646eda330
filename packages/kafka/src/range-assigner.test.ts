import type { ClusterMetadata, ExtendedGroupProtocolSubscription } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { rangeAssigner } from './range-assigner.ts';

function metadata(partitions: Record<string, number>): ClusterMetadata {
  return {
    id: 'cluster',
    brokers: new Map(),
    controllerId: 0,
    lastUpdate: 0,
    topics: new Map(
      Object.entries(partitions).map(([topic, count]) => [
        topic,
        { id: topic, partitions: [], partitionsCount: count, lastUpdate: 0 },
      ]),
    ),
  };
}

function assign(members: Record<string, string[]>, partitions: Record<string, number>) {
  const subscriptions = new Map<string, ExtendedGroupProtocolSubscription>(
    Object.entries(members).map(([memberId, topics]) => [
      memberId,
      { memberId, version: 0, topics },
    ]),
  );
  const result = rangeAssigner(
    '',
    subscriptions,
    new Set(Object.keys(partitions)),
    metadata(partitions),
  );
  return Object.fromEntries(
    result.map(({ memberId, assignments }) => [
      memberId,
      Object.fromEntries([...assignments.values()].map((a) => [a.topic, a.partitions])),
    ]),
  );
}

describe('rangeAssigner', () => {
  it('gives each member a contiguous run per topic, the first members the remainder', () => {
    expect(assign({ b: ['t'], a: ['t'] }, { t: 5 })).toEqual({
      a: { t: [0, 1, 2] },
      b: { t: [3, 4] },
    });
  });

  it('assigns a topic only to the members that subscribe to it (a Dapr member may take fewer)', () => {
    expect(assign({ a: ['t', 'u'], b: ['t'] }, { t: 2, u: 3 })).toEqual({
      a: { t: [0], u: [0, 1, 2] },
      b: { t: [1] },
    });
  });

  it('leaves members without partitions when there are more members than partitions', () => {
    expect(assign({ a: ['t'], b: ['t'], c: ['t'] }, { t: 2 })).toEqual({
      a: { t: [0] },
      b: { t: [1] },
      c: {},
    });
  });
});
