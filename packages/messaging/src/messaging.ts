import type { FastifyInstance } from 'fastify';
import type { EventPublisher } from './publisher.ts';
import type { Subscription } from './subscriptions.ts';
import type { Tick } from './ticks.ts';

/** What one service consumes: its subscriptions and its periodic ticks. */
export interface Consumers {
  /**
   * The app id of the service they belong to (`scheduler`): its `shared` subscriptions form one
   * consumer group by that name, as Dapr's `{appID}` does, also when several services share one
   * process and one messaging (services/standalone). Default: the messaging's own app id.
   */
  service?: string;
  subscriptions: readonly Subscription[];
  ticks: readonly Tick[];
}

/**
 * Everything a service needs from the messaging layer, behind one port with three
 * implementations: Dapr (packages/dapr: the sidecar, the broker chosen by component YAML),
 * direct Kafka (packages/kafka) and the in-process bus (this package), the last two for
 * `USE_DAPR=false`. The services' code is the same on all three.
 */
export interface Messaging {
  readonly kind: 'dapr' | 'kafka' | 'in-process';
  /** Where the outbox relay publishes. */
  readonly publisher: EventPublisher;
  /**
   * Takes a service's consumers, before its app listens: Dapr registers the routes its sidecar
   * calls on `app`; the direct transports remember them and consume once started.
   */
  serve(app: FastifyInstance, consumers: Consumers): Promise<void>;
  /** After the app listens: Dapr waits for its sidecar, Kafka joins its groups, ticks start. */
  start(): Promise<void>;
  /** For /readyz: whether messages can flow now. */
  ready(): Promise<boolean>;
  /** Stops consuming (the message in progress finishes), then closes connections. */
  stop(): Promise<void>;
}

/** The /readyz check of a service's messaging, named for what it waits on. */
export function readinessCheck(messaging: Messaging): {
  name: string;
  check: () => Promise<boolean>;
} {
  const name = { dapr: 'sidecar', kafka: 'broker', 'in-process': 'bus' }[messaging.kind];
  return { name, check: () => messaging.ready() };
}
