import { createDaprClient } from '@taskflow/dapr';
import { connect } from '@taskflow/db';
import { daprPublisher, startRelay } from '@taskflow/outbox';
import {
  createLogger,
  createMetricsRegistry,
  exitOnStartupError,
  stopOnSignals,
} from '@taskflow/service-kit';
import { buildScheduler } from './app.ts';
import { loadSchedulerConfig } from './config.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadSchedulerConfig();
  const logger = createLogger('scheduler', config.LOG_LEVEL);
  const database = connect(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: 'scheduler',
  });
  const registry = createMetricsRegistry('scheduler');
  const dapr = createDaprClient({
    httpPort: config.DAPR_HTTP_PORT,
    apiToken: config.DAPR_API_TOKEN,
  });
  // Spawned instances reach users through the outbox like every other event: this relay
  // publishes them (any relay may; each claims its rows with SKIP LOCKED).
  const relay = startRelay({
    database,
    publisher: daprPublisher(dapr, config.PUBSUB_NAME),
    logger,
    registry,
  });
  const app = await buildScheduler({
    database,
    dapr,
    logger,
    registry,
    appApiToken: config.APP_API_TOKEN,
    batchSize: config.SPAWN_BATCH_SIZE,
    tickBudgetMs: config.TICK_BUDGET_MS,
    eventsCommitted: () => relay.notify(),
  });
  stopOnSignals(app, logger, [() => relay.stop(), () => database.close()]);
  // Listen first: daprd only fires the cron binding and delivers once the app's port answers.
  await app.listen({ port: config.PORT, host: config.HOST });
  await dapr.waitForSidecar({ timeoutMs: 60_000 });
  logger.info('sidecar ready');
} catch (error) {
  exitOnStartupError('scheduler', error);
}
