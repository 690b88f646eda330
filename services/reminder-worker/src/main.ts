import { startEventWriter } from '@taskflow/runtime';
import { exitOnStartupError, stopOnSignals } from '@taskflow/service-kit';
import { buildReminderWorker } from './app.ts';
import { loadReminderWorkerConfig, workerSettings } from './config.ts';
import { emailTransportFrom } from './notify/transport-from-config.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadReminderWorkerConfig();
  // The worker's own relay publishes the reminder.triggered events it appends, woken after
  // every batch; like every relay it also helps with any other row of the outbox.
  const { logger, database, outbox, registry, messaging, cleanups } = startEventWriter(
    'reminder-worker',
    config,
  );
  const app = await buildReminderWorker({
    database,
    outbox,
    messaging,
    logger,
    registry,
    ...workerSettings(config),
    emailTransport: emailTransportFrom(config, logger),
  });
  stopOnSignals(app, logger, cleanups);
  // Listen first: daprd only delivers and triggers once the app's port answers.
  await app.listen({ port: config.PORT, host: config.HOST });
  await messaging.start();
  logger.info({ messaging: messaging.kind }, 'messaging ready');
} catch (error) {
  exitOnStartupError('reminder-worker', error);
}
