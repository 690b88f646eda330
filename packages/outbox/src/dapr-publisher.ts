import type { DaprClient } from '@taskflow/dapr';
import type { EventPublisher } from './publisher.ts';

/**
 * Publishes through the Dapr sidecar, one bulk call per batch. The record key is the user, so a
 * user's events stay in one Kafka partition (other brokers ignore it).
 */
export function daprPublisher(
  dapr: Pick<DaprClient, 'publishBulk'>,
  pubsub: string,
): EventPublisher {
  return {
    async publishBatch(topic, events) {
      const { failedEntryIds } = await dapr.publishBulk(
        pubsub,
        topic,
        events.map((event) => ({
          entryId: event.event_id,
          event,
          metadata: { partitionKey: event.user_id },
        })),
      );
      return { failedEventIds: failedEntryIds };
    },
  };
}
