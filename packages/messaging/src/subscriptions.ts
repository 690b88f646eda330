import type { FastifyBaseLogger } from 'fastify';
import type { Topic } from '@taskflow/contracts';
import type { z } from 'zod';
import {
  DELIVERY_STATUSES,
  describeIssues,
  publishedBefore,
  type DeliveredMessage,
  type DeliveryStatus,
} from './deliveries.ts';

/** The logger a handler gets: pino's, or Fastify's request logger (which is pino's). */
export type DeliveryLog = FastifyBaseLogger;

export interface DeliveryContext {
  /** The CloudEvent id. Not the event's own event_id: dedupe on that. */
  messageId: string;
  topic: string;
  pubsub: string;
  publishedAt: Date | undefined;
  log: DeliveryLog;
}

/**
 * Who receives a topic's messages. `shared`: the processes of one service split them (a
 * consumer group per service: scheduler, reminder-worker). `each-process`: every process gets
 * every message (ws-notifier: a socket may be open on any replica).
 */
export type Audience = 'shared' | 'each-process';

export interface SubscriptionDefinition<T> {
  /** The topic, as the seed names it (the transport applies TOPIC_NAMESPACE). */
  topic: Topic;
  audience: Audience;
  /** The route of the declarative Dapr Subscription (dapr/components/common/subscriptions.yaml). */
  route: string;
  /** The payload's schema. A payload that fails it is dead-lettered at once, with the reason. */
  schema: z.ZodType<T>;
  /**
   * SUCCESS: done. RETRY: deliver again (the transport's retry policy, then the dead-letter
   * topic). DROP: not wanted; dead-lettered. Throwing counts as RETRY.
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
  readonly topic: Topic;
  readonly audience: Audience;
  readonly route: string;
  readonly process: (message: DeliveredMessage, deps: DeliveryDeps) => Promise<DeliveryStatus>;
}

export interface DeliveryDeps {
  /**
   * Sends a message that can never be processed to the dead-letter topic, with the reason.
   * Rejects when it could not: the message is then retried, never lost.
   */
  deadLetter: (message: DeliveredMessage, reason: string) => Promise<void>;
  log: DeliveryLog;
}

/** Binds a schema to its handler, keeping the payload type. */
export function defineSubscription<T>(definition: SubscriptionDefinition<T>): Subscription {
  return {
    topic: definition.topic,
    audience: definition.audience,
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
        log.error({ reason }, 'invalid message: sent to the dead-letter topic');
        try {
          await deps.deadLetter(message, reason);
          return 'SUCCESS';
        } catch (error) {
          // Not DROP: that would dead-letter it a second time once the transport could.
          log.error({ err: error }, 'dead-lettering failed: retrying');
          return 'RETRY';
        }
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
        // which loses the message. Here an exception is a RETRY, on every transport.
        log.error({ err: error }, 'handler failed: retrying');
        return 'RETRY';
      }
    },
  };
}
