import { DEAD_LETTER_TOPIC, topicName } from '@taskflow/contracts';
import {
  describeIssues,
  readMessage,
  type DeliveredMessage,
  type DeliveryDeps,
  type DeliveryStatus,
  type Subscription,
} from '@taskflow/messaging';
import type { FastifyInstance } from 'fastify';
import type { DaprClient } from '../client/client.ts';
import { BulkDelivery, isBulkDelivery } from './bulk-delivery.ts';

/**
 * Dead-lettering through the sidecar: the message goes to the one dead-letter topic (in the
 * fleet's namespace) unchanged, with the reason in its metadata (`deadLetterReason`) and in the
 * CloudEvent (`deadletterreason`). Through the component it came from: ws-notifier's sidecar
 * loads only taskflow-fanout. A CloudEvent goes as is (`rawPayload`): daprd would otherwise set
 * its `topic` to the dead-letter topic, and the letters of both topics, which share one
 * dead-letter topic, would no longer say where each came from.
 */
export function sidecarDeadLetter(dapr: Pick<DaprClient, 'publish'>, namespace: string) {
  return async (message: DeliveredMessage, reason: string): Promise<void> => {
    const metadata = { deadLetterReason: reason };
    await dapr.publish(
      message.pubsub,
      topicName(DEAD_LETTER_TOPIC, namespace),
      message.cloudEvent ? { ...message.cloudEvent, deadletterreason: reason } : message.data,
      message.cloudEvent
        ? { contentType: 'application/cloudevents+json', rawPayload: true, metadata }
        : { metadata },
    );
  };
}

/**
 * The route of one subscription. Single deliveries (`application/cloudevents+json`) are
 * answered `{ status }`; bulk deliveries (`application/json` with `entries`) are answered
 * `{ statuses: [{ entryId, status }] }`, one per entry, processed in order.
 */
export function registerSubscription(
  scope: FastifyInstance,
  subscription: Subscription,
  deadLetter: DeliveryDeps['deadLetter'],
  bodyLimit: number,
): void {
  scope.post(subscription.route, { bodyLimit }, async (request) => {
    const deps: DeliveryDeps = { deadLetter, log: request.log };
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
