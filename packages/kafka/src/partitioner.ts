/**
 * The partition of a record key as daprd's Kafka component chooses it, so that a user's events
 * land in the same partition whichever publisher wrote them (daprd or this package). The
 * component (components-contrib v1.18.3, in daprd 1.18.2) partitions a record without a
 * `partitionNumber` with sarama's `NewHashPartitioner` (v1.16 left it as sarama's default):
 * the key's FNV-1a 32-bit hash, read as a signed 32-bit integer, modulo the partition count
 * (Go's `%`, which keeps the dividend's sign), then negated when negative.
 * It is neither Java's murmur2 (@platformatic/kafka's default) nor librdkafka's `consistent`
 * (FNV-1a read unsigned), nor sarama's own `NewReferenceHashPartitioner` (sign bit masked off).
 */
export function saramaPartition(key: string | Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`a topic has at least one partition (got ${partitions})`);
  }
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  // |a % n| = |a| % n for a truncating remainder; `| 0` reads the hash as Go's int32 does.
  return Math.abs(fnv1a32(bytes) | 0) % partitions;
}

/** FNV-1a, 32 bits (offset basis 0x811c9dc5, prime 0x01000193), as an unsigned integer. */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    // Math.imul keeps the product in 32 bits, as Go's uint32 multiplication does.
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  return hash >>> 0;
}
