import { expireIdempotencyKeys, type Database } from '@taskflow/db';
import type { Logger } from '@taskflow/service-kit';

/** How long a POST's Idempotency-Key is remembered: retries come within minutes, not days. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Forgets Idempotency-Keys older than the TTL, once at start and then every hour. Every replica
 * may run it: the delete is idempotent.
 */
export function startIdempotencyKeyExpiry(database: Database, logger: Logger): () => void {
  const expire = async () => {
    try {
      const forgotten = await expireIdempotencyKeys(
        database.db,
        new Date(Date.now() - IDEMPOTENCY_KEY_TTL_MS),
      );
      if (forgotten > 0) logger.info({ forgotten }, 'expired idempotency keys');
    } catch (error) {
      logger.warn({ err: error }, 'could not expire idempotency keys; will retry');
    }
  };
  void expire();
  const timer = setInterval(expire, 60 * 60 * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
