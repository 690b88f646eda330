import { startEventWriter } from '@taskflow/runtime';
import { exitOnStartupError, stopOnSignals } from '@taskflow/service-kit';
import { buildScheduler } from './app.ts';
import { loadSchedulerConfig } from './config.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadSchedulerConfig();
  // Spawned instances reach users through the outbox like every other event: this service's
  // relay publishes them (any relay may; each takes its rows with SKIP LOCKED).
  const { logger, database, outbox, registry, messaging, cleanups } = startEventWriter(
    'scheduler',
    config,
  );
  const app = await buildScheduler({
    database,
    outbox,
    messaging,
    logger,
    registry,
    batchSize: config.SPAWN_BATCH_SIZE,
    tickBudgetMs: config.TICK_BUDGET_MS,
  });
  stopOnSignals(app, logger, cleanups);
  // Listen first: daprd only fires the cron binding and delivers once the app's port answers.
  await app.listen({ port: config.PORT, host: config.HOST });
  await messaging.start();
  logger.info({ messaging: messaging.kind }, 'messaging ready');
} catch (error) {
  exitOnStartupError('scheduler', error);
}
