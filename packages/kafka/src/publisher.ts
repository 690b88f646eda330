import { topicName } from '@taskflow/contracts';
import { cloudEventJson, type EventPublisher } from '@taskflow/messaging';
import type { RecordWriter } from './producer.ts';

export interface KafkaPublisherOptions {
  /** The CloudEvent `source`: the app id, as daprd sets it. */
  appId: string;
  /** The CloudEvent `pubsubname`: the Dapr component a sidecar would have published through. */
  pubsub: string;
  topicNamespace: string;
}

/**
 * The outbox relay's publisher without a sidecar. Each record is what daprd's Kafka component
 * writes for packages/dapr's publisher: the same CloudEvent text (`cloudEventJson`, published
 * there as a raw payload), keyed by the user and placed in the partition sarama would choose, so
 * Dapr subscribers read these records and this package reads daprd's. One request per batch
 * and partition leader: a task's versions, given in order, are written in order.
 */
export function kafkaPublisher(
  writer: RecordWriter,
  options: KafkaPublisherOptions,
): EventPublisher {
  return {
    async publishBatch(topic, events) {
      const brokerTopic = topicName(topic, options.topicNamespace);
      const target = { source: options.appId, pubsub: options.pubsub, topic: brokerTopic };
      const now = new Date();
      const { failed } = await writer.write(
        brokerTopic,
        events.map((event) => ({
          key: event.userId,
          value: cloudEventJson(event.envelopeJson, target, { traceId: event.correlationId, now }),
        })),
      );
      return { failedEventIds: failed.map((index) => events[index]!.eventId) };
    },
  };
}
