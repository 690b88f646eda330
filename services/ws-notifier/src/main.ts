import { startServiceClients, startServiceRateLimiter } from '@taskflow/runtime';
import { createTokenVerifier, exitOnStartupError, stopOnSignals } from '@taskflow/service-kit';
import { buildWsNotifier } from './app.ts';
import { loadWsNotifierConfig } from './config.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadWsNotifierConfig();
  const { logger, registry, messaging, cleanups } = startServiceClients('ws-notifier', config);
  const rateLimiter = startServiceRateLimiter(config, logger, registry);
  const { app } = await buildWsNotifier({
    messaging,
    verifyToken: createTokenVerifier(config),
    logger,
    settings: config,
    registry,
    rateLimiter,
  });
  stopOnSignals(app, logger, [() => rateLimiter.stop(), ...cleanups]);
  // Listen first: daprd only delivers once the app's port answers.
  await app.listen({ port: config.PORT, host: config.HOST });
  await messaging.start();
  logger.info({ messaging: messaging.kind }, 'messaging ready');
} catch (error) {
  exitOnStartupError('ws-notifier', error);
}
