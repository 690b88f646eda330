import { describe, expect, it } from 'vitest';
import { fnv1a32, saramaPartition } from './partitioner.ts';

describe('fnv1a32', () => {
  // The FNV reference's test vectors (Fowler/Noll/Vo, "FNV-1a 32 bit" of these strings).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('hashes %j to the reference value', (text, hash) => {
    expect(fnv1a32(Buffer.from(text))).toBe(hash);
  });
});

describe('saramaPartition', () => {
  // Printed by sarama v1.45.2 itself (the version daprd 1.16.5 is built with; daprd 1.18.2's
  // v1.48.1 has the same hash partitioner): for each key,
  // sarama.NewHashPartitioner("t").Partition(&ProducerMessage{Key: StringEncoder(key)}, n),
  // from a Go program against the module cache of the daprd build. "" and "a" tell the three
  // FNV partitioners apart: sarama's gives 0 on 3 partitions, librdkafka's unsigned one 1,
  // sarama's "reference" one (sign bit masked) 2.
  const uuid = '7d0c7a52-1111-4222-8333-944455556666';
  it.each([
    [1, '', 0],
    [3, '', 0],
    [3, 'a', 0],
    [3, 'foobar', 0],
    [3, 'alice', 2],
    [3, 'bob', 2],
    [3, 'user-1', 0],
    [3, 'user-42', 0],
    [3, 'Zoë', 1],
    [3, uuid, 1],
    [6, '', 3],
    [6, 'alice', 5],
    [6, 'bob', 2],
    [6, 'user-42', 3],
    [6, 'Zoë', 4],
    [6, uuid, 4],
    [12, '', 3],
    [12, 'alice', 5],
    [12, 'bob', 8],
    [12, 'user-42', 3],
    [12, 'Zoë', 4],
    [12, uuid, 10],
  ])('on %i partitions puts %j in partition %i, as sarama does', (partitions, key, partition) => {
    expect(saramaPartition(key, partitions)).toBe(partition);
  });

  it('hashes the UTF-8 bytes of a string key, as sarama.StringEncoder does', () => {
    expect(saramaPartition(Buffer.from('Zoë', 'utf8'), 3)).toBe(saramaPartition('Zoë', 3));
  });

  it('refuses a partition count that no topic has', () => {
    expect(() => saramaPartition('a', 0)).toThrow(/at least one partition/);
    expect(() => saramaPartition('a', 1.5)).toThrow(RangeError);
  });
});
