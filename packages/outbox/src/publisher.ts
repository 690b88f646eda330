import type { EventEnvelope, Topic } from '@taskflow/contracts';

/** Where the relay sends events: the broker, behind the Dapr sidecar in production. */
export interface EventPublisher {
  /**
   * Publishes the events to one topic. Resolves with the ids of the events that did NOT make
   * it (they stay in the outbox and are retried); rejects when nothing could be published.
   */
  publishBatch(topic: Topic, events: EventEnvelope[]): Promise<{ failedEventIds: string[] }>;
}
