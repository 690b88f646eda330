import {
  deliver,
  readMessage,
  retryDelayMs,
  DELIVERY_RETRY,
  type DeliveredMessage,
  type DeliveryLog,
  type Subscription,
} from '@taskflow/messaging';
import type { KafkaRecord } from './consumer.ts';
import { deadLetterRecord, rawDeadLetterRecord } from './dead-letter.ts';
import type { OutgoingRecord, RecordWriter } from './producer.ts';

/** A redelivery policy shaped as DELIVERY_RETRY, with any numbers (tests retry quickly). */
export type RetryPolicy = { readonly [K in keyof typeof DELIVERY_RETRY]: number };

export interface RecordDeliveryOptions {
  /** The subscriptions this consumer serves, by broker topic. */
  subscriptions: ReadonlyMap<string, readonly Subscription[]>;
  writer: RecordWriter;
  /** The broker name of the dead-letter topic. */
  deadLetterTopic: string;
  /** A DeliveredMessage's `pubsub`: no component exists here, so the name the fleet's has. */
  pubsub: string;
  log: DeliveryLog;
  stopping: () => boolean;
  retry?: RetryPolicy;
}

/**
 * What a consumer does with one record: read it as a CloudEvent (or dead-letter it as it is),
 * then `deliver` it to each subscription of its topic, in turn (RETRY per DELIVERY_RETRY, then
 * the dead-letter topic). When dead-lettering itself fails, the subscription's delivery starts
 * over after a pause, never skipped: the record's offset is not committed before it is done.
 * Resolves false when stop() interrupted it.
 */
export function recordDelivery(
  options: RecordDeliveryOptions,
): (record: KafkaRecord) => Promise<boolean> {
  // @taskflow/messaging types its policies as DELIVERY_RETRY's literal numbers; any numbers work.
  const policy = (options.retry ?? DELIVERY_RETRY) as typeof DELIVERY_RETRY;
  const pause = (attempt: number) =>
    new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt, policy)));

  const writeDeadLetter = async (record: OutgoingRecord) => {
    const { failed, error } = await options.writer.write(options.deadLetterTopic, [record]);
    if (failed.length > 0) throw error ?? new Error('the dead letter was not acknowledged');
  };

  /** Runs `attempt` until it resolves, pausing between failures; false when stopping. */
  const persist = async (what: string, log: DeliveryLog, attempt: () => Promise<boolean>) => {
    for (let failures = 1; ; failures++) {
      try {
        return await attempt();
      } catch (error) {
        log.error({ err: error }, `${what} failed: trying again`);
        if (options.stopping()) return false;
        await pause(failures);
        if (options.stopping()) return false;
      }
    }
  };

  return async (record: KafkaRecord): Promise<boolean> => {
    const log = options.log.child({
      topic: record.topic,
      partition: record.partition,
      offset: String(record.offset),
    });
    const key = record.key?.length ? record.key : undefined;
    const message = read(record, options.pubsub);
    if ('unreadable' in message) {
      log.error({ reason: message.unreadable }, 'unreadable record: sent to the dead-letter topic');
      const dead = rawDeadLetterRecord(key, record.value ?? Buffer.alloc(0), message.unreadable);
      return persist('dead-lettering', log, async () => (await writeDeadLetter(dead), true));
    }
    const deps = {
      log,
      deadLetter: (delivered: DeliveredMessage, reason: string) =>
        writeDeadLetter(deadLetterRecord(key, delivered, reason)),
    };
    for (const subscription of options.subscriptions.get(record.topic) ?? []) {
      const done = await persist(`delivery to ${subscription.route}`, log, async () => {
        const outcome = await deliver(subscription, message, deps, {
          stopping: options.stopping,
          policy,
        });
        return outcome !== 'interrupted';
      });
      if (!done) return false;
    }
    return true;
  };
}

/** The record's value as a delivered message, or why it is none. */
function read(record: KafkaRecord, pubsub: string): DeliveredMessage | { unreadable: string } {
  let event: unknown;
  try {
    event = JSON.parse((record.value ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    return { unreadable: 'record value is not JSON' };
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    // readMessage takes a string for daprd's base64 raw payloads, which a record never is.
    return { unreadable: 'record value is not a CloudEvent (not a JSON object)' };
  }
  return readMessage(event, {
    topic: record.topic,
    pubsub,
    fallbackId: `${record.topic}/${record.partition}/${record.offset}`,
  });
}
