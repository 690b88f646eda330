import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { DaprClient } from '../client/client.ts';
import {
  BulkDelivery,
  DELIVERY_STATUSES,
  describeIssues,
  isBulkDelivery,
  publishedBefore,
  readMessage,
  type DeliveredMessage,
  type DeliveryStatus,
} from './deliveries.ts';

export interface DeliveryContext {
  /** The CloudEvent id. Not the event's own event_id: dedupe on that. */
  messageId: string;
  topic: string;
  pubsub: string;
  publishedAt: Date | undefined;
  log: FastifyBaseLogger;
}

export interface SubscriptionDefinition<T> {
  /** The route of the declarative Subscription (dapr/components/common/subscriptions.yaml). */
  route: string;
  /** The payload's schema. A payload that fails it is dead-lettered at once, with the reason. */
  schema: z.ZodType<T>;
  /**
   * SUCCESS: done. RETRY: deliver again (daprd's inbound retry policy, then the dead-letter
   * topic). DROP: not wanted; daprd forwards it to the subscription's dead-letter topic.
   * Throwing counts as RETRY.
   */
  handler: (data: T, context: DeliveryContext) => DeliveryStatus | Promise<DeliveryStatus>;
  /**
   * Acknowledge, without calling the handler, messages published before this instant. For
   * ws-notifier: a new per-replica consumer group on Redis Streams starts at the beginning of
   * the (capped) stream, and those old events are of no use to sockets that connect now.
   */
  skipPublishedBefore?: Date;
}

/** A subscription of any payload type; build it with `defineSubscription`. */
export interface Subscription {
  readonly route: string;
  readonly process: (message: DeliveredMessage, deps: DeliveryDeps) => Promise<DeliveryStatus>;
}

export interface DeliveryDeps {
  dapr: Pick<DaprClient, 'publish'>;
  log: FastifyBaseLogger;
}

/** Binds a schema to its handler, keeping the payload type. */
export function defineSubscription<T>(definition: SubscriptionDefinition<T>): Subscription {
  return {
    route: definition.route,
    process: async (message, deps) => {
      const log = deps.log.child({ topic: message.topic, message_id: message.id });
      const cutoff = definition.skipPublishedBefore;
      if (cutoff && publishedBefore(message, cutoff)) {
        log.debug({ published_at: message.publishedAt }, 'skipped: published before the cutoff');
        return 'SUCCESS';
      }
      const parsed = definition.schema.safeParse(message.data);
      if (!parsed.success) {
        const reason = `payload does not match its schema: ${describeIssues(parsed.error)}`;
        return deadLetter(message, reason, { ...deps, log });
      }
      const context: DeliveryContext = {
        messageId: message.id,
        topic: message.topic,
        pubsub: message.pubsub,
        publishedAt: message.publishedAt,
        log,
      };
      try {
        const status = await definition.handler(parsed.data, context);
        if (DELIVERY_STATUSES.includes(status)) return status;
        log.error({ status }, 'handler answered an unknown status: retrying');
        return 'RETRY';
      } catch (error) {
        // Not SUCCESS: @dapr/dapr's DaprServer acknowledges a throwing handler (dapr/js-sdk#720),
        // which loses the message. Here an exception is a RETRY.
        log.error({ err: error }, 'handler failed: retrying');
        return 'RETRY';
      }
    },
  };
}

/** The dead-letter topic of `topic`: the same name as deadLetterTopic in subscriptions.yaml. */
export const deadLetterTopicOf = (topic: string) => `${topic}.deadletter`;

/**
 * Sends a message that can never be processed to `<topic>.deadletter` at once, with the reason
 * in its metadata (`deadLetterReason`) and in the CloudEvent (`deadletterreason`), then
 * acknowledges it so the messages behind it flow. If even that publish fails, RETRY: it must not
 * vanish. (Not DROP: daprd would forward it to the dead-letter topic a second time.)
 */
async function deadLetter(
  message: DeliveredMessage,
  reason: string,
  deps: DeliveryDeps,
): Promise<DeliveryStatus> {
  const topic = deadLetterTopicOf(message.topic);
  deps.log.error(
    { dead_letter_topic: topic, reason },
    'invalid message: sent to the dead-letter topic',
  );
  try {
    await deps.dapr.publish(
      message.pubsub,
      topic,
      message.cloudEvent ? { ...message.cloudEvent, deadletterreason: reason } : message.data,
      {
        contentType: message.cloudEvent ? 'application/cloudevents+json' : 'application/json',
        metadata: { deadLetterReason: reason },
      },
    );
    return 'SUCCESS';
  } catch (error) {
    deps.log.error({ err: error, dead_letter_topic: topic }, 'dead-lettering failed: retrying');
    return 'RETRY';
  }
}

/**
 * The route of one subscription. Single deliveries (`application/cloudevents+json`) are
 * answered `{ status }`; bulk deliveries (`application/json` with `entries`) are answered
 * `{ statuses: [{ entryId, status }] }`, one per entry, processed in order.
 */
export function registerSubscription(
  scope: FastifyInstance,
  subscription: Subscription,
  dapr: Pick<DaprClient, 'publish'>,
  bodyLimit: number,
): void {
  scope.post(subscription.route, { bodyLimit }, async (request) => {
    const deps = { dapr, log: request.log };
    if (isBulkDelivery(request.body)) {
      return { statuses: await processBulk(request.body, subscription, deps) };
    }
    const pubsub = request.headers.pubsubname;
    const message = readMessage(request.body, {
      topic: 'unknown',
      pubsub: typeof pubsub === 'string' ? pubsub : 'unknown',
      fallbackId: request.id,
    });
    if ('unreadable' in message) {
      // Nothing to re-publish faithfully: DROP makes daprd forward the original to the
      // subscription's dead-letter topic.
      request.log.error({ reason: message.unreadable }, 'unreadable delivery: dropped');
      return { status: 'DROP' };
    }
    return { status: await subscription.process(message, deps) };
  });
}

async function processBulk(
  body: unknown,
  subscription: Subscription,
  deps: DeliveryDeps,
): Promise<Array<{ entryId: string; status: DeliveryStatus }>> {
  const delivery = BulkDelivery.safeParse(body);
  if (!delivery.success) {
    throw Object.assign(new Error(`not a bulk delivery: ${describeIssues(delivery.error)}`), {
      statusCode: 400,
    });
  }
  const { topic, pubsubname, entries } = delivery.data;
  const statuses = [];
  // In order: Kafka hands one partition's messages per batch, and order within a user matters.
  for (const entry of entries) {
    const message = readMessage(entry.event, {
      topic,
      pubsub: pubsubname,
      fallbackId: entry.entryId,
    });
    let status: DeliveryStatus;
    if ('unreadable' in message) {
      deps.log.error({ topic, reason: message.unreadable }, 'unreadable entry: dropped');
      status = 'DROP';
    } else {
      status = await subscription.process(message, deps);
    }
    statuses.push({ entryId: entry.entryId, status });
  }
  return statuses;
}
