import { createDaprClient } from '@taskflow/dapr';
import { connect } from '@taskflow/db';
import { daprPublisher, startRelay } from '@taskflow/outbox';
import {
  createLogger,
  createMetricsRegistry,
  exitOnStartupError,
  stopOnSignals,
} from '@taskflow/service-kit';
import { buildReminderWorker } from './app.ts';
import { loadReminderWorkerConfig } from './config.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadReminderWorkerConfig();
  const logger = createLogger('reminder-worker', config.LOG_LEVEL);
  const database = connect(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: 'reminder-worker',
  });
  const registry = createMetricsRegistry('reminder-worker');
  const dapr = createDaprClient({
    httpPort: config.DAPR_HTTP_PORT,
    apiToken: config.DAPR_API_TOKEN,
  });
  // The worker's own relay publishes the reminder.triggered events it appends, woken after
  // every batch; like every relay it also helps with any other unpublished row.
  const relay = startRelay({
    database,
    publisher: daprPublisher(dapr, config.PUBSUB_NAME),
    logger,
    registry,
  });
  const app = await buildReminderWorker({
    database,
    dapr,
    logger,
    registry,
    policy: {
      graceSeconds: config.REMINDER_GRACE_SECONDS,
      lateSeconds: config.REMINDER_LATE_SECONDS,
      limit: config.REMINDER_BATCH_SIZE,
    },
    tickBudgetMs: config.REMINDER_TICK_BUDGET_MS,
    tickLookaheadMs: config.REMINDER_LOOKAHEAD_MS,
    eventsCommitted: () => relay.notify(),
    appApiToken: config.APP_API_TOKEN,
  });
  stopOnSignals(app, logger, [() => relay.stop(), () => database.close()]);
  // Listen first: daprd only delivers and triggers once the app's port answers.
  await app.listen({ port: config.PORT, host: config.HOST });
  await dapr.waitForSidecar({ timeoutMs: 60_000 });
  logger.info('sidecar ready');
} catch (error) {
  exitOnStartupError('reminder-worker', error);
}
