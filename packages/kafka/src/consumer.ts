import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import type { DeliveryLog } from '@taskflow/messaging';
import { clientOptions } from './client-options.ts';
import { partitionLanes } from './partition-lanes.ts';
import { RANGE_PROTOCOL, rangeAssigner } from './range-assigner.ts';
import type { KafkaSettings } from './settings.ts';

export type KafkaRecord = Message<Buffer, Buffer, Buffer, Buffer>;

export interface GroupConsumerOptions {
  settings: KafkaSettings;
  clientId: string;
  groupId: string;
  /** Broker topic names. */
  topics: string[];
  /** Where a group that has committed nothing starts: `earliest` (shared), `latest` (each-process). */
  startAt: 'earliest' | 'latest';
  /**
   * Handles one record; resolves true once it is done (its offset is then committed), false
   * when it was interrupted by stop() (not committed: it comes again). Must not reject.
   */
  handle: (record: KafkaRecord) => Promise<boolean>;
  log: DeliveryLog;
  /** Records fetched but not yet handled, over all partitions, before fetching pauses. */
  maxBuffered?: number;
  /** The wait before consuming again after the stream failed (the broker went away). */
  restartDelayMs?: number;
}

/**
 * One consumer group member over some topics: it reads in partition order, hands each
 * partition's records to `handle` one at a time (partitions concurrently) and commits a record's
 * offset only once it was handled: at least once, a crash redelivers what was not committed.
 * When the stream fails it consumes again from the committed offsets.
 */
export class GroupConsumer {
  readonly #options: GroupConsumerOptions;
  readonly #consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #lanes;
  /** Per partition, the offset after the last record queued: a refetch never queues twice. */
  readonly #next = new Map<string, bigint>();
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;

  constructor(options: GroupConsumerOptions) {
    this.#options = options;
    this.#consumer = new Consumer({
      ...clientOptions(options.settings, options.clientId),
      groupId: options.groupId,
      autocommit: false,
      protocols: [RANGE_PROTOCOL],
      partitionAssigner: rangeAssigner,
      // As sarama asks (Metadata.AllowAutoTopicCreation): the broker's policy decides.
      autocreateTopics: true,
    });
    this.#consumer.on('consumer:group:join', ({ groupId, assignments }) => {
      options.log.info({ group: groupId, assignments }, 'joined the consumer group');
      this.#revoke(assignments ?? []);
    });
    this.#lanes = partitionLanes<KafkaRecord>(async (record) => {
      if (!(await options.handle(record))) return;
      // Not awaited: the client folds the commits that pile up meanwhile into one request, and
      // a later commit covers a failed one. stop() waits for them (the stream's close).
      Promise.resolve(record.commit()).catch((error: unknown) =>
        options.log.warn(
          { err: error, topic: record.topic, partition: record.partition },
          'offset commit failed: the record may be delivered again',
        ),
      );
    }, options.maxBuffered ?? 500);
  }

  /** Joins the group; resolves once joined, or once the first attempt failed (it goes on trying). */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.#loop = this.#run(resolve);
    });
  }

  /** Joined and reading. */
  isReady(): boolean {
    return !this.#stopping && this.#stream !== undefined && this.#stream.isConnected();
  }

  /** Lets the records in progress finish, commits their offsets, leaves the group, closes. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#lanes.drain();
    await this.#stream?.close().catch((error: unknown) => {
      this.#options.log.warn({ err: error }, 'closing the consumer stream failed');
    });
    // Before awaiting the loop: a consume() still connecting (the broker down) ends with it.
    await this.#consumer.close();
    await this.#loop;
  }

  async #run(started: () => void): Promise<void> {
    const { log } = this.#options;
    while (!this.#stopping) {
      try {
        this.#stream = await this.#consumer.consume({
          topics: this.#options.topics,
          mode: 'committed',
          fallbackMode: this.#options.startAt,
        });
        started();
        if (this.#stopping) await this.#stream.close();
        for await (const record of this.#stream) {
          // Not `break`: that would destroy the stream before stop() commits through it.
          if (this.#stopping) continue;
          this.#queue(record);
          await this.#lanes.room();
        }
      } catch (error) {
        started();
        if (this.#stopping) break;
        log.error(
          { err: error, group: this.#options.groupId, topics: this.#options.topics },
          'consuming failed: consuming again from the committed offsets',
        );
        await this.#pause(this.#options.restartDelayMs ?? 2_000);
      }
    }
  }

  #queue(record: KafkaRecord): void {
    // A fetch sent before a rebalance can answer after it, with records of a partition that is
    // now another member's: it reads them from the committed offset, so they are not ours.
    const owned = this.#consumer.assignments?.some(
      (a) => a.topic === record.topic && a.partitions.includes(record.partition),
    );
    if (!owned) return;
    const lane = `${record.topic}:${record.partition}`;
    const next = this.#next.get(lane);
    // After a rebalance the stream fetches again from the committed offset, which can be behind
    // the records already queued here.
    if (next !== undefined && record.offset < next) return;
    this.#next.set(lane, record.offset + 1n);
    this.#lanes.push(lane, record);
  }

  /**
   * After a rebalance: the records queued for partitions that are now another member's are
   * dropped (it reads them from the committed offset; handling them here too would deliver them
   * twice), and so is where this member had got to in them, so that if one comes back it is
   * read from the committed offset again. A record in progress finishes.
   */
  #revoke(assignments: ReadonlyArray<{ topic: string; partitions: number[] }>): void {
    const owned = new Set(assignments.flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)));
    for (const lane of [...this.#next.keys()]) {
      if (owned.has(lane)) continue;
      this.#lanes.drop(lane);
      this.#next.delete(lane);
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
