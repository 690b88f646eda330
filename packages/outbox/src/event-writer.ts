import { createDaprClient, type DaprClient } from '@taskflow/dapr';
import { connect, type Database } from '@taskflow/db';
import { createLogger, createMetricsRegistry, type Logger } from '@taskflow/service-kit';
import type { Registry } from 'prom-client';
import { daprPublisher } from './dapr-publisher.ts';
import { startRelay, type Relay } from './relay.ts';

/** The settings every service that appends events reads (from its config schema). */
export interface EventWriterConfig {
  LOG_LEVEL: string;
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
  DAPR_HTTP_PORT: number;
  DAPR_API_TOKEN?: string | undefined;
  PUBSUB_NAME: string;
  TOPIC_NAMESPACE: string;
}

export interface EventWriter {
  logger: Logger;
  database: Database;
  registry: Registry;
  dapr: DaprClient;
  /** Wake it after committing events (`eventsCommitted` of the service's app). */
  relay: Relay;
  /** For stopOnSignals, after the service's own: the relay's last round, then the pool. */
  cleanups: Array<() => Promise<unknown>>;
}

/**
 * The clients of a service that appends events, wired the same way in each (task-api,
 * scheduler, reminder-worker): logger, Postgres pool, metrics registry, sidecar client, and the
 * outbox relay. The relay needs no sidecar to start: until daprd answers, its rounds fail and
 * back off while the events wait in Postgres, so no write ever depends on the broker.
 */
export function startEventWriter(service: string, config: EventWriterConfig): EventWriter {
  const logger = createLogger(service, config.LOG_LEVEL);
  const database = connect(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: service,
  });
  const registry = createMetricsRegistry(service);
  const dapr = createDaprClient({
    httpPort: config.DAPR_HTTP_PORT,
    apiToken: config.DAPR_API_TOKEN,
  });
  const relay = startRelay({
    database,
    publisher: daprPublisher(dapr, config.PUBSUB_NAME, service, config.TOPIC_NAMESPACE),
    logger,
    registry,
  });
  return {
    logger,
    database,
    registry,
    dapr,
    relay,
    cleanups: [() => relay.stop(), () => database.close()],
  };
}
