import { startEventWriter, startServiceRateLimiter } from '@taskflow/runtime';
import { createTokenVerifier, exitOnStartupError, stopOnSignals } from '@taskflow/service-kit';
import { buildTaskApi } from './app.ts';
import { loadTaskApiConfig } from './config.ts';
import { startIdempotencyKeyExpiry } from './jobs/expire-idempotency-keys.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadTaskApiConfig();
  const { logger, database, outbox, registry, messaging, cleanups } = startEventWriter(
    'task-api',
    config,
  );
  const rateLimiter = startServiceRateLimiter(config, logger, registry);
  const app = await buildTaskApi({
    database,
    outbox,
    verifyToken: createTokenVerifier(config),
    logger,
    registry,
    corsAllowedOrigins: config.CORS_ALLOWED_ORIGINS,
    rateLimiter,
    trustProxy: config.TRUST_PROXY,
    outbound: { allowHttp: config.ENVIRONMENT === 'local' },
  });
  const stopExpiry = startIdempotencyKeyExpiry(database, logger);
  stopOnSignals(app, logger, [async () => stopExpiry(), () => rateLimiter.stop(), ...cleanups]);
  await app.listen({ port: config.PORT, host: config.HOST });
  // Not awaited: user writes never depend on the broker (the relay backs off until it is up).
  void messaging.start().catch((error: unknown) => logger.warn({ err: error }, 'messaging'));
} catch (error) {
  exitOnStartupError('task-api', error);
}
