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

  /** Whether the producer holds a live connection to the cluster. */
  isConnected(): boolean {
    return this.#producer.isConnected();
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
    try {
      await this.#producer.send({ messages: placed });
      return { failed: [] };
    } catch (error) {
      const written = writtenPartitions(error);
      const failed = placed.flatMap((record, index) =>
        written.has(record.partition) ? [] : [index],
      );
      if (failed.length === records.length) throw error;
      return { failed, error };
    }
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
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
