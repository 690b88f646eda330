import type { Topic } from '@taskflow/contracts';
import type { DeliveredMessage } from './deliveries.ts';
import { deliver } from './deliver.ts';
import type { DELIVERY_RETRY } from './retry.ts';
import type { Consumers, Messaging } from './messaging.ts';
import type { OutgoingEvent } from './publisher.ts';
import type { DeliveryLog, Subscription } from './subscriptions.ts';
import { startTicks, type Tick } from './ticks.ts';

export interface InProcessBusOptions {
  log: DeliveryLog;
  /** How many events were dead-lettered (the service's metrics). */
  onDeadLetter?: (message: DeliveredMessage, reason: string) => void;
  /** Redeliveries of a RETRY (default DELIVERY_RETRY, as daprd's). */
  retry?: typeof DELIVERY_RETRY;
}

/**
 * The in-process bus of a single taskflow process without a broker (`USE_DAPR=false`, no
 * KAFKA_BOOTSTRAP_SERVERS). The outbox relay is its only publisher, so the guarantees are the
 * outbox's: an event counts as published only once every subscription of its topic has taken
 * it, in the relay's order; a crash before that leaves it unpublished in Postgres, and it is
 * delivered after the restart. Dead letters have no topic here: they are logged at error level
 * with the event, which stays in the `events` table (`pnpm replay` can publish it again).
 *
 * One process only: a second one would relay some of the first one's events to its own
 * subscribers. Several processes need a broker (Kafka, or Dapr).
 */
export function inProcessBus(options: InProcessBusOptions): Messaging {
  const subscriptions: Subscription[] = [];
  const ticks: Tick[] = [];
  let stopTicks: (() => Promise<void>) | undefined;
  let stopping = false;
  const deadLetter = async (message: DeliveredMessage, reason: string) => {
    options.log.error(
      { topic: message.topic, message_id: message.id, reason, event: message.data },
      'dead letter: the event stays in the events table',
    );
    options.onDeadLetter?.(message, reason);
  };

  async function publishBatch(topic: Topic, events: OutgoingEvent[]) {
    const failedEventIds: string[] = [];
    const takers = subscriptions.filter((subscription) => subscription.topic === topic);
    for (const event of events) {
      const message: DeliveredMessage = {
        id: event.eventId,
        topic,
        pubsub: 'in-process',
        publishedAt: new Date(),
        data: JSON.parse(event.envelopeJson) as unknown,
        cloudEvent: undefined,
      };
      for (const subscription of takers) {
        const outcome = await deliver(
          subscription,
          message,
          { deadLetter, log: options.log },
          { stopping: () => stopping, ...(options.retry ? { policy: options.retry } : {}) },
        ).catch(() => 'interrupted' as const);
        if (outcome === 'interrupted') {
          failedEventIds.push(event.eventId);
          break;
        }
      }
    }
    return { failedEventIds };
  }

  return {
    kind: 'in-process',
    publisher: { publishBatch },
    async serve(_app, consumers: Consumers) {
      subscriptions.push(...consumers.subscriptions);
      ticks.push(...consumers.ticks);
    },
    async start() {
      stopTicks ??= startTicks(ticks, options.log);
    },
    async ready() {
      return !stopping;
    },
    async stop() {
      stopping = true;
      await stopTicks?.();
    },
  };
}
