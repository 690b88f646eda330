import { connect, type Database } from '@taskflow/db';
import type { Messaging } from '@taskflow/messaging';
import { createOutbox, startRelay, type Outbox } from '@taskflow/outbox';
import { createLogger, createMetricsRegistry, type Logger } from '@taskflow/service-kit';
import type { Registry } from 'prom-client';
import { createMessaging, type MessagingConfig } from './messaging.ts';

/** The settings of a service that keeps data in Postgres. */
export interface DatabaseConfig {
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
}

export interface ServiceClients {
  logger: Logger;
  registry: Registry;
  messaging: Messaging;
  /** For stopOnSignals, after the service's own: messaging last. */
  cleanups: Array<() => Promise<unknown>>;
}

export interface EventWriterClients extends ServiceClients {
  database: Database;
  /** Every write that appends events goes through it; its commits wake the service's relay. */
  outbox: Outbox;
}

/** Logger, metrics registry and messaging of a service that keeps no data (ws-notifier). */
export function startServiceClients(
  service: string,
  config: MessagingConfig & { LOG_LEVEL: string },
): ServiceClients {
  const logger = createLogger(service, config.LOG_LEVEL);
  const messaging = createMessaging(service, config, logger);
  return {
    logger,
    registry: createMetricsRegistry(service),
    messaging,
    cleanups: [() => messaging.stop()],
  };
}

/**
 * The clients of a service that appends events (task-api, scheduler, reminder-worker): those of
 * startServiceClients, a Postgres pool, the outbox relay publishing through the messaging, and
 * the outbox whose commits wake it.
 * The relay needs no broker to start: until it answers, rounds fail and back off while the
 * events wait in Postgres, so no write ever depends on the broker.
 */
export function startEventWriter(
  service: string,
  config: MessagingConfig & DatabaseConfig & { LOG_LEVEL: string },
): EventWriterClients {
  const clients = startServiceClients(service, config);
  const database = connect(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: service,
  });
  const relay = startRelay({
    database,
    publisher: clients.messaging.publisher,
    logger: clients.logger,
    registry: clients.registry,
  });
  return {
    ...clients,
    database,
    outbox: createOutbox({ database, relay }),
    // The relay's last round before messaging stops; the pool once both are done.
    cleanups: [() => relay.stop(), ...clients.cleanups, () => database.close()],
  };
}
