import { Producer, type ProduceResult } from '@platformatic/kafka';
import { clientOptions } from './client-options.ts';
import { saramaPartition } from './partitioner.ts';
import type { KafkaSettings } from './settings.ts';

/** One record to write: its key picks the partition, as daprd's would. */
export interface OutgoingRecord {
  key: string | Buffer | undefined;
  value: string | Buffer;
  headers?: Record<string, string>;
}

/** Which records of a batch the brokers acknowledged. */
export interface WriteResult {
  /** Indexes (into the records given) that were not acknowledged. */
  failed: number[];
  /** Why, when some failed. */
  error?: unknown;
}

/**
 * The one producer of a process: idempotent (acks=all, one request in flight per broker, so a
 * retried batch never overtakes the next one: a task's versions stay in order), and records
 * placed by sarama's partitioner (partitioner.ts) so daprd and this package agree on where a
 * user's events go. Records without a key are spread over the partitions (sarama picks one at
 * random); taskflow's always have one.
 */
export class RecordWriter {
  readonly #producer: Producer;

  constructor(settings: KafkaSettings, clientId: string) {
    this.#producer = new Producer({
      ...clientOptions(settings, clientId),
      idempotent: true,
      // Without a count, an idempotent producer retries forever; the outbox relay retries with
      // its own backoff, and it must hear that the broker is down to do that.
      retries: 3,
      retryDelay: 250,
      // As sarama asks (Metadata.AllowAutoTopicCreation): the broker's policy decides.
      autocreateTopics: true,
    });
  }

  /**
   * Whether the producer can reach the cluster: connected, or able to connect again within
   * `timeoutMs`. It reconnects here too, or a producer that lost its broker would say no until
   * the next publish.
   */
  async reachable(timeoutMs: number): Promise<boolean> {
    if (this.#producer.isConnected()) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>(
      (resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)),
    );
    const connected = this.connect([]).then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([connected, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fetches the topics' metadata (and so connects, authenticates and verifies TLS). */
  async connect(topics: string[]): Promise<void> {
    await this.#producer.metadata({ topics, autocreateTopics: true });
  }

  /**
   * Writes the records to one topic, in order within each partition, and resolves once the
   * brokers acknowledged them (all in-sync replicas). Rejects when none was acknowledged.
   */
  async write(topic: string, records: OutgoingRecord[]): Promise<WriteResult> {
    if (records.length === 0) return { failed: [] };
    const metadata = await this.#producer.metadata({ topics: [topic], autocreateTopics: true });
    const partitions = metadata.topics.get(topic)?.partitionsCount;
    if (!partitions) throw new Error(`topic ${topic} has no partitions in the cluster's metadata`);
    let keyless = 0;
    const placed = records.map((record) => {
      const key =
        record.key === undefined
          ? undefined
          : Buffer.isBuffer(record.key)
            ? record.key
            : Buffer.from(record.key, 'utf8');
      return {
        topic,
        partition: key ? saramaPartition(key, partitions) : keyless++ % partitions,
        ...(key ? { key } : {}),
        value: Buffer.isBuffer(record.value) ? record.value : Buffer.from(record.value, 'utf8'),
        ...(record.headers ? { headers: toBuffers(record.headers) } : {}),
      };
    });
    const failed: number[] = [];
    let error: unknown;
    let first = 0;
    for (const chunk of requests(placed)) {
      const indexes = chunk.map((_, i) => first + i);
      first += chunk.length;
      if (error !== undefined) {
        // Not sent after a failure: a later version must never reach a partition before an
        // earlier one that is to be retried.
        failed.push(...indexes);
        continue;
      }
      try {
        await this.#producer.send({ messages: chunk });
      } catch (thrown) {
        error = thrown;
        const written = writtenPartitions(thrown);
        failed.push(...indexes.filter((index) => !written.has(placed[index]!.partition)));
      }
    }
    if (failed.length === records.length) throw error;
    return failed.length === 0 ? { failed } : { failed, error };
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}

/**
 * What one send may carry, in key and value bytes: a partition's records travel as one record
 * batch, which the broker refuses above `message.max.bytes` (Kafka's and Redpanda's default:
 * 1 MiB), so a relay batch of one busy user's events could never be published. Half of it
 * leaves room for the records' own overhead. (sarama splits by Producer.MaxMessageBytes too.)
 */
const MAX_SEND_BYTES = 512 * 1024;

/** The records in order, cut into sends of at most MAX_SEND_BYTES (a larger record alone). */
function requests<T extends { key?: Buffer; value: Buffer }>(records: T[]): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.value.length + (record.key?.length ?? 0);
    if (chunk.length > 0 && bytes + size > MAX_SEND_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function toBuffers(headers: Record<string, string>): Map<Buffer, Buffer> {
  return new Map(Object.entries(headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]));
}

/**
 * The partitions a failed send still wrote: the client sends one request per leader broker and
 * reports those that succeeded on the error (`produced`).
 */
function writtenPartitions(error: unknown): Set<number> {
  const produced = (error as { produced?: ProduceResult } | undefined)?.produced;
  return new Set((produced?.offsets ?? []).map((offset) => offset.partition));
}
