import type { Topic } from '@taskflow/contracts';

/**
 * An event on its way to the broker: its envelope as JSON text, and what routes it. The relay
 * reads the text straight from the outbox, never parsing the event.
 */
export interface OutgoingEvent {
  eventId: string;
  /** The record key: a user's events stay in one partition. */
  userId: string;
  /** The aggregate (task, reminder) it is a version of: its events are published in order. */
  aggregateId: string;
  /** The W3C trace the event joins. */
  correlationId: string;
  envelopeJson: string;
}

/** Where the outbox relay sends events: the broker (through Dapr or directly), or the bus. */
export interface EventPublisher {
  /**
   * Publishes the events to one topic, a task's versions in the order given. Resolves with the
   * ids of the events that did NOT make it (they stay in the outbox and are retried); rejects
   * when nothing could be published.
   */
  publishBatch(topic: Topic, events: OutgoingEvent[]): Promise<{ failedEventIds: string[] }>;
}
