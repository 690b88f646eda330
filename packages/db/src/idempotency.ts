import { and, eq, lt } from 'drizzle-orm';
import { idempotencyKeys } from './schema.ts';
import type { Executor } from './client.ts';

export type IdempotencyClaim =
  | { outcome: 'claimed' }
  | { outcome: 'replay'; statusCode: number; response: unknown }
  | { outcome: 'mismatch' };

/**
 * Claims the key for this request inside the caller's transaction. A concurrent request with the
 * same key waits on the row lock until the first one commits, then replays its answer; if the
 * first rolls back, the claim goes to the second.
 */
export async function claimIdempotencyKey(
  ex: Executor,
  userId: string,
  key: string,
  requestHash: string,
): Promise<IdempotencyClaim> {
  const inserted = await ex
    .insert(idempotencyKeys)
    .values({ userId, key, requestHash })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return { outcome: 'claimed' };

  const [stored] = await ex
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  if (!stored || stored.requestHash !== requestHash || stored.statusCode === null) {
    return { outcome: 'mismatch' };
  }
  return { outcome: 'replay', statusCode: stored.statusCode, response: stored.response };
}

export async function recordIdempotentResponse(
  ex: Executor,
  userId: string,
  key: string,
  statusCode: number,
  response: unknown,
): Promise<void> {
  await ex
    .update(idempotencyKeys)
    .set({ statusCode, response })
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
}

/** Forgets keys older than `before`; returns how many. */
export async function expireIdempotencyKeys(ex: Executor, before: Date): Promise<number> {
  const deleted = await ex
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, before))
    .returning({ key: idempotencyKeys.key });
  return deleted.length;
}
