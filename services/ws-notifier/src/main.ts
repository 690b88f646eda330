import { createDaprClient, startRateLimiter } from '@taskflow/dapr';
import {
  createLogger,
  createMetricsRegistry,
  createTokenVerifier,
  exitOnStartupError,
  stopOnSignals,
} from '@taskflow/service-kit';
import { buildWsNotifier } from './app.ts';
import { loadWsNotifierConfig } from './config.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadWsNotifierConfig();
  const logger = createLogger('ws-notifier', config.LOG_LEVEL);
  const registry = createMetricsRegistry('ws-notifier');
  const dapr = createDaprClient({
    httpPort: config.DAPR_HTTP_PORT,
    apiToken: config.DAPR_API_TOKEN,
  });
  const rateLimiter = startRateLimiter({
    settings: config,
    dapr: { httpPort: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN },
    logger,
    registry,
  });
  const { app } = await buildWsNotifier({
    dapr,
    verifyToken: createTokenVerifier(config),
    logger,
    settings: config,
    appApiToken: config.APP_API_TOKEN,
    registry,
    rateLimiter,
  });
  stopOnSignals(app, logger, [() => rateLimiter.stop()]);
  // Listen first: daprd only delivers once the app's port answers.
  await app.listen({ port: config.PORT, host: config.HOST });
  await dapr.waitForSidecar({ timeoutMs: 60_000 });
  logger.info('sidecar ready');
} catch (error) {
  exitOnStartupError('ws-notifier', error);
}
