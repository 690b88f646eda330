import { topicName } from '@taskflow/contracts';
import type { EventPublisher } from '@taskflow/messaging';
import type { DaprClient } from './client/client.ts';

/**
 * Publishes through the Dapr sidecar, one bulk call per batch (one more for each further event
 * of a task in it, so that its versions reach the broker in order). The record key is the user,
 * so a user's events stay in one Kafka partition (other brokers ignore it). The CloudEvents are built
 * here with `source` (the app id), so daprd passes them through instead of wrapping each one, and
 * an event's trace is its correlation id: everything one user action caused is one trace.
 * `namespace` (TOPIC_NAMESPACE) names the broker topic: `dev` publishes to `dev.tasks.events`.
 */
export function daprPublisher(
  dapr: Pick<DaprClient, 'publishBulk'>,
  pubsub: string,
  source: string,
  namespace: string,
): EventPublisher {
  return {
    async publishBatch(topic, events) {
      const { failedEntryIds } = await dapr.publishBulk(
        pubsub,
        topicName(topic, namespace),
        events.map((event) => ({
          entryId: event.eventId,
          eventJson: event.envelopeJson,
          metadata: { partitionKey: event.userId },
          // A task's versions reach the broker in order (daprd would publish them concurrently).
          orderKey: event.aggregateId,
          traceId: event.correlationId,
        })),
        { cloudEventSource: source },
      );
      return { failedEventIds: failedEntryIds };
    },
  };
}
