import { startRateLimiter } from '@taskflow/dapr';
import { startEventWriter } from '@taskflow/outbox';
import { createTokenVerifier, exitOnStartupError, stopOnSignals } from '@taskflow/service-kit';
import { buildTaskApi } from './app.ts';
import { loadTaskApiConfig } from './config.ts';
import { startIdempotencyKeyExpiry } from './jobs/expire-idempotency-keys.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadTaskApiConfig();
  const { logger, database, registry, relay, cleanups } = startEventWriter('task-api', config);
  const rateLimiter = startRateLimiter({
    settings: config,
    dapr: { httpPort: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN },
    logger,
    registry,
  });
  const app = await buildTaskApi({
    database,
    verifyToken: createTokenVerifier(config),
    logger,
    registry,
    eventsCommitted: () => relay.notify(),
    corsAllowedOrigins: config.CORS_ALLOWED_ORIGINS,
    rateLimiter,
    trustProxy: config.TRUST_PROXY,
  });
  const stopExpiry = startIdempotencyKeyExpiry(database, logger);
  stopOnSignals(app, logger, [async () => stopExpiry(), () => rateLimiter.stop(), ...cleanups]);
  // No wait for the sidecar: user writes never depend on it (the relay backs off until it is up).
  await app.listen({ port: config.PORT, host: config.HOST });
} catch (error) {
  exitOnStartupError('task-api', error);
}
