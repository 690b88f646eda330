import { topicOf, type EventEnvelope, type EventType, type Topic } from '@taskflow/contracts';
import type { OutgoingEvent } from '@taskflow/messaging';

export type { EventPublisher, OutgoingEvent } from '@taskflow/messaging';

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
