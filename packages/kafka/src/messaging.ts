import { hostname } from 'node:os';
import { consumerGroupName, DEAD_LETTER_TOPIC, topicName } from '@taskflow/contracts';
import {
  startTicks,
  type Audience,
  type DeliveryLog,
  type Messaging,
  type Subscription,
  type Tick,
} from '@taskflow/messaging';
import { checkConnection, KafkaConnectionError } from './check.ts';
import { GroupConsumer } from './consumer.ts';
import { RecordWriter } from './producer.ts';
import { kafkaPublisher } from './publisher.ts';
import { recordDelivery, type RetryPolicy } from './record-delivery.ts';
import type { KafkaSettings } from './settings.ts';

export interface KafkaMessagingOptions {
  /** From kafkaSettingsFromEnv. */
  settings: KafkaSettings;
  /** The service's name: the CloudEvent `source`, and the shared consumer group, as Dapr's `{appID}`. */
  appId: string;
  /** TOPIC_NAMESPACE. */
  topicNamespace: string;
  log: DeliveryLog;
  /** Names this process's own group for `each-process` subscriptions (default `<hostname>-<pid>`). */
  instanceId?: string;
  /** The CloudEvent `pubsubname` (default `taskflow-pubsub`, the fleet's Dapr component). */
  pubsub?: string;
  /** Redeliveries of a RETRY (default DELIVERY_RETRY, as daprd's). */
  retry?: RetryPolicy;
}

/**
 * Messaging straight to Kafka, without a sidecar (`USE_DAPR=false` with
 * KAFKA_BOOTSTRAP_SERVERS: the seed's Cloud Simple on Redpanda Cloud). It writes and reads the
 * records daprd's Kafka component does, so a process on it and Dapr replicas of the same
 * service can share topics and consumer groups (see the README).
 */
export function kafkaMessaging(options: KafkaMessagingOptions): Messaging {
  const { settings, appId, topicNamespace: namespace, log } = options;
  const pubsub = options.pubsub ?? 'taskflow-pubsub';
  const instanceId = options.instanceId ?? `${hostname()}-${process.pid}`;
  const writer = new RecordWriter(settings, appId);
  // Each with the service it belongs to: one process may serve several (services/standalone).
  const served: Array<{ service: string; subscription: Subscription }> = [];
  const ticks: Tick[] = [];
  const consumers: GroupConsumer[] = [];
  let stopTicks: (() => Promise<void>) | undefined;
  let started = false;
  let stopping = false;

  const groupOf = (
    service: string,
    audience: Audience,
  ): { groupId: string; startAt: 'earliest' | 'latest' } =>
    audience === 'shared'
      ? // Dapr's `consumerGroup: {appID}`, in the namespace: standalone and sidecar replicas split.
        { groupId: consumerGroupName(service, namespace), startAt: 'earliest' }
      : // dapr/components/pubsub-kafka/fanout.yaml: a group per process, from the newest offset.
        { groupId: consumerGroupName(`${service}-${instanceId}`, namespace), startAt: 'latest' };

  function consumerOf(service: string, audience: Audience): GroupConsumer | undefined {
    const byTopic = new Map<string, Subscription[]>();
    const mine = served
      .filter((s) => s.service === service && s.subscription.audience === audience)
      .map((s) => s.subscription);
    for (const subscription of mine) {
      const topic = topicName(subscription.topic, namespace);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), subscription]);
    }
    if (byTopic.size === 0) return undefined;
    const { groupId, startAt } = groupOf(service, audience);
    return new GroupConsumer({
      settings,
      clientId: groupId,
      groupId,
      topics: [...byTopic.keys()],
      startAt,
      log,
      handle: recordDelivery({
        subscriptions: byTopic,
        writer,
        deadLetterTopic: topicName(DEAD_LETTER_TOPIC, namespace),
        pubsub,
        log,
        stopping: () => stopping,
        ...(options.retry ? { retry: options.retry } : {}),
      }),
    });
  }

  return {
    kind: 'kafka',
    publisher: kafkaPublisher(writer, { appId, pubsub, topicNamespace: namespace }),
    async serve(_app, consumed) {
      for (const subscription of consumed.subscriptions) {
        served.push({ service: consumed.service ?? appId, subscription });
      }
      ticks.push(...consumed.ticks);
    },
    async start() {
      if (started) return;
      started = true;
      let reachable = true;
      try {
        await checkConnection(settings);
        await writer.connect([]);
      } catch (error) {
        // Wrong credentials or certificates do not heal: stop the process, saying why. A broker
        // that is down may come back: consume and publish once it does (ready() says meanwhile).
        if (!(error instanceof KafkaConnectionError) || error.reason !== 'unreachable') throw error;
        log.warn({ err: error }, 'Kafka unreachable at startup: retrying in the background');
        reachable = false;
      }
      for (const service of new Set(served.map((s) => s.service))) {
        for (const audience of ['shared', 'each-process'] as const) {
          const consumer = consumerOf(service, audience);
          if (consumer) consumers.push(consumer);
        }
      }
      const joined = Promise.all(consumers.map((consumer) => consumer.start()));
      // Reachable: resolve once the groups are joined. Not: do not hold the service's start up
      // for the client's connection retries (about 15 s); the consumers keep trying.
      if (reachable) await joined;
      stopTicks ??= startTicks(ticks, log);
    },
    async ready() {
      if (stopping || !consumers.every((c) => c.isReady())) return false;
      return writer.reachable(1_000);
    },
    async stop() {
      stopping = true;
      await stopTicks?.();
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await writer.close();
    },
  };
}
