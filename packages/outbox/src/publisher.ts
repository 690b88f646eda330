import { topicOf, type EventEnvelope, type EventType, type Topic } from '@taskflow/contracts';

/**
 * An event on its way to the broker: its envelope as JSON text, and what routes it. The relay
 * reads the text straight from the outbox (`claimAndMarkPublished`), never parsing the event.
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

/** An envelope held as an object (a replay's, say) as an OutgoingEvent. */
export function outgoingEvent(event: EventEnvelope): OutgoingEvent {
  return {
    eventId: event.event_id,
    userId: event.user_id,
    aggregateId: event.aggregate_id,
    correlationId: event.correlation_id,
    envelopeJson: JSON.stringify(event),
  };
}

/** The events split by the topic their type goes to, each topic's in the order given. */
export function byTopic<T>(events: T[], typeOf: (event: T) => EventType): Map<Topic, T[]> {
  const groups = new Map<Topic, T[]>();
  for (const event of events) {
    const topic = topicOf(typeOf(event));
    const group = groups.get(topic);
    if (group) group.push(event);
    else groups.set(topic, [event]);
  }
  return groups;
}

/** The events a `publishBatch` answer says did not make it. */
export function refused<T extends { eventId: string }>(events: T[], failedEventIds: string[]): T[] {
  if (failedEventIds.length === 0) return [];
  const failed = new Set(failedEventIds);
  return events.filter((event) => failed.has(event.eventId));
}

/** Where the relay sends events: the broker, behind the Dapr sidecar in production. */
export interface EventPublisher {
  /**
   * Publishes the events to one topic. Resolves with the ids of the events that did NOT make
   * it (they stay in the outbox and are retried); rejects when nothing could be published.
   */
  publishBatch(topic: Topic, events: OutgoingEvent[]): Promise<{ failedEventIds: string[] }>;
}
