import { createDaprClient } from './client/client.ts';
import { createReplicaBoard } from './client/replica-board.ts';
import {
  createRateLimiter,
  rateLimitPolicies,
  sharedCountStore,
  type Logger,
  type RateLimiter,
  type RateLimitSettings,
  type Registry,
  type ReplicaCounts,
} from '@taskflow/service-kit';

export interface RateLimiterSetup {
  settings: RateLimitSettings;
  dapr: { httpPort: number; apiToken?: string | undefined };
  logger: Logger;
  registry?: Registry;
}

/**
 * The limiter of one replica: counts in memory, and (unless RATE_LIMIT_STATE_STORE=none) shares
 * them with the app's other replicas through the sidecar's state store every RATE_LIMIT_SYNC_MS.
 */
export function startRateLimiter({
  settings,
  dapr,
  logger,
  registry,
}: RateLimiterSetup): RateLimiter {
  const store = sharedCountStore(settings);
  // A client of its own, with a short timeout: a slow sidecar delays only the next exchange.
  const client = createDaprClient({ ...dapr, timeoutMs: 1000 });
  const board =
    store &&
    createReplicaBoard<ReplicaCounts>(client, {
      store,
      name: 'rate-limit',
      // A few exchanges' worth: a replica that stops publishing drops out within seconds.
      ttlSeconds: Math.max(2, Math.ceil((settings.RATE_LIMIT_SYNC_MS * 8) / 1000)),
    });
  const limiter = createRateLimiter({
    policies: rateLimitPolicies(settings),
    exchange: board ? (mine) => board.exchange(mine) : undefined,
    syncIntervalMs: settings.RATE_LIMIT_SYNC_MS,
    logger,
    ...(registry ? { registry } : {}),
  });
  limiter.start();
  return limiter;
}
