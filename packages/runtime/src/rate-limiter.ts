import { startRateLimiter } from '@taskflow/dapr';
import type { Logger, RateLimiter, RateLimitSettings, Registry } from '@taskflow/service-kit';
import type { MessagingConfig } from './messaging.ts';

/**
 * The service's rate limiter: with Dapr, the replicas share their counts through the state
 * store (RATE_LIMIT_STATE_STORE); without it, each process counts alone.
 */
export function startServiceRateLimiter(
  config: RateLimitSettings & MessagingConfig,
  logger: Logger,
  registry: Registry,
): RateLimiter {
  return startRateLimiter({
    settings: config.USE_DAPR ? config : { ...config, RATE_LIMIT_STATE_STORE: 'none' },
    dapr: { httpPort: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN },
    logger,
    registry,
  });
}
