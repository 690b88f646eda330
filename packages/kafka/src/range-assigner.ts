import type { GroupPartitionsAssigner } from '@platformatic/kafka';

/**
 * The group protocol daprd's Kafka component joins with (sarama's default rebalance strategy,
 * "range"): a group's members must share one protocol name, or the broker refuses the later
 * joiner (INCONSISTENT_GROUP_PROTOCOL), so this package's consumers speak it too, and a
 * standalone process and daprd's replicas of one service can share a group.
 */
export const RANGE_PROTOCOL = { name: 'range', version: 0 } as const;

/**
 * Range assignment, computed when this process leads the group: per topic, the members that
 * subscribe to it in member-id order, each given a contiguous run of partitions, the first
 * members one more when they do not divide evenly. Only the leader's assignment counts, so it
 * need not equal sarama's run for run; it must only give each partition to one subscriber.
 */
export const rangeAssigner: GroupPartitionsAssigner = (_current, members, topics, metadata) => {
  const result = new Map(
    [...members.keys()].map((memberId) => [memberId, { memberId, assignments: new Map() }]),
  );
  for (const topic of topics) {
    const partitions = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const takers = [...members]
      .filter(([, subscription]) => subscription.topics?.includes(topic))
      .map(([memberId]) => memberId)
      .sort();
    if (takers.length === 0) continue;
    const each = Math.floor(partitions / takers.length);
    const extra = partitions % takers.length;
    let next = 0;
    takers.forEach((memberId, index) => {
      const count = each + (index < extra ? 1 : 0);
      if (count === 0) return;
      const run = Array.from({ length: count }, (_, i) => next + i);
      next += count;
      result.get(memberId)!.assignments.set(topic, { topic, partitions: run });
    });
  }
  return [...result.values()];
};
