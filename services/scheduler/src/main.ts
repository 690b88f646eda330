import { startEventWriter } from '@taskflow/outbox';
import { exitOnStartupError, stopOnSignals } from '@taskflow/service-kit';
import { buildScheduler } from './app.ts';
import { loadSchedulerConfig } from './config.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadSchedulerConfig();
  // Spawned instances reach users through the outbox like every other event: this service's
  // relay publishes them (any relay may; each takes its rows with SKIP LOCKED).
  const { logger, database, registry, dapr, relay, cleanups } = startEventWriter(
    'scheduler',
    config,
  );
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
  stopOnSignals(app, logger, cleanups);
  // Listen first: daprd only fires the cron binding and delivers once the app's port answers.
  await app.listen({ port: config.PORT, host: config.HOST });
  await dapr.waitForSidecar({ timeoutMs: 60_000 });
  logger.info('sidecar ready');
} catch (error) {
  exitOnStartupError('scheduler', error);
}
