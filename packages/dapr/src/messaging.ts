import type { Messaging } from '@taskflow/messaging';
import { registerSidecarRoutes } from './app/sidecar-routes.ts';
import type { DaprClient } from './client/client.ts';
import { daprPublisher } from './publisher.ts';

export interface DaprMessagingOptions {
  dapr: DaprClient;
  /** The app id: the CloudEvent `source` of what it publishes. */
  appId: string;
  /** PUBSUB_NAME: the component the outbox relay publishes through. */
  pubsub: string;
  /** TOPIC_NAMESPACE. */
  topicNamespace: string;
  /** APP_API_TOKEN: the sidecar's routes then admit only daprd. */
  appApiToken?: string | undefined;
  /** How long start() waits for the sidecar (default 60 s). */
  sidecarTimeoutMs?: number;
}

/**
 * Messaging through the Dapr sidecar, as in the fleet: the relay publishes with the bulk API,
 * daprd delivers to the subscription routes and triggers the cron bindings, all declared in
 * dapr/components (which broker, which consumer group, which schedule: YAML, never code).
 */
export function daprMessaging(options: DaprMessagingOptions): Messaging {
  const { dapr } = options;
  return {
    kind: 'dapr',
    publisher: daprPublisher(dapr, options.pubsub, options.appId, options.topicNamespace),
    async serve(app, consumers) {
      await registerSidecarRoutes(app, {
        dapr,
        appApiToken: options.appApiToken,
        topicNamespace: options.topicNamespace,
        subscriptions: consumers.subscriptions,
        bindings: consumers.ticks,
      });
    },
    // daprd delivers and triggers only once the app's port answers: the app listens first.
    async start() {
      await dapr.waitForSidecar({ timeoutMs: options.sidecarTimeoutMs ?? 60_000 });
    },
    ready: () => dapr.waitForSidecar({ timeoutMs: 500 }).then(() => true),
    async stop() {},
  };
}
