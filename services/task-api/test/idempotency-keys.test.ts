import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@taskflow/testkit';
import {
  claimIdempotencyKey,
  connect,
  expireIdempotencyKeys,
  recordIdempotentResponse,
} from '@taskflow/db';

const testDatabase = await createTestDatabase();
const database = connect(testDatabase.url, { max: 4 });
afterAll(async () => {
  await database.close();
  await testDatabase.drop();
});

describe('idempotency keys', () => {
  it('claims a key once, then replays the recorded answer; another request hash is a mismatch', async () => {
    const first = await database.transaction(async (tx) => {
      const claim = await claimIdempotencyKey(tx, 'u1', 'k1', 'hash-a');
      await recordIdempotentResponse(tx, 'u1', 'k1', 201, { id: 'x' });
      return claim;
    });
    expect(first).toEqual({ outcome: 'claimed' });
    expect(await claimIdempotencyKey(database.db, 'u1', 'k1', 'hash-a')).toEqual({
      outcome: 'replay',
      statusCode: 201,
      response: { id: 'x' },
    });
    expect(await claimIdempotencyKey(database.db, 'u1', 'k1', 'hash-b')).toEqual({
      outcome: 'mismatch',
    });
  });

  it('gives the claim to a waiting request when the first one rolls back', async () => {
    await expect(
      database.transaction(async (tx) => {
        await claimIdempotencyKey(tx, 'u2', 'k', 'h');
        throw new Error('the create failed');
      }),
    ).rejects.toThrow('the create failed');
    expect(await claimIdempotencyKey(database.db, 'u2', 'k', 'h')).toEqual({ outcome: 'claimed' });
  });

  it('forgets keys older than the cut-off and keeps newer ones', async () => {
    await claimIdempotencyKey(database.db, 'u3', 'old', 'h');
    const cutoff = new Date(Date.now() + 1000);
    expect(await expireIdempotencyKeys(database.db, cutoff)).toBeGreaterThanOrEqual(1);
    expect(await claimIdempotencyKey(database.db, 'u3', 'old', 'h')).toEqual({
      outcome: 'claimed',
    });
    expect(await expireIdempotencyKeys(database.db, new Date(Date.now() - 60_000))).toBe(0);
  });
});
