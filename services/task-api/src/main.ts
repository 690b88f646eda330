import { createDaprClient } from '@taskflow/dapr';
import { connect } from '@taskflow/db';
import { daprPublisher, startRelay } from '@taskflow/outbox';
import {
  createLogger,
  createMetricsRegistry,
  createTokenVerifier,
  exitOnStartupError,
  stopOnSignals,
} from '@taskflow/service-kit';
import { buildTaskApi } from './app.ts';
import { loadTaskApiConfig } from './config.ts';
import { startIdempotencyKeyExpiry } from './jobs/expire-idempotency-keys.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadTaskApiConfig();
  const logger = createLogger('task-api', config.LOG_LEVEL);
  const database = connect(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: 'task-api',
  });
  const registry = createMetricsRegistry('task-api');
  const dapr = createDaprClient({
    httpPort: config.DAPR_HTTP_PORT,
    apiToken: config.DAPR_API_TOKEN,
  });
  // The relay needs no sidecar to start: until daprd answers, its rounds fail and back off, and
  // the events wait in Postgres. User writes never depend on the sidecar or the broker.
  const relay = startRelay({
    database,
    publisher: daprPublisher(dapr, config.PUBSUB_NAME),
    logger,
    registry,
  });
  const app = await buildTaskApi({
    database,
    verifyToken: createTokenVerifier(config),
    logger,
    registry,
    eventsCommitted: () => relay.notify(),
  });
  const stopExpiry = startIdempotencyKeyExpiry(database, logger);
  stopOnSignals(app, logger, [
    async () => stopExpiry(),
    () => relay.stop(),
    () => database.close(),
  ]);
  await app.listen({ port: config.PORT, host: config.HOST });
} catch (error) {
  exitOnStartupError('task-api', error);
}
