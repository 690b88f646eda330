import { appendEventBatch, fireDueReminders, type ClaimPolicy, type Database } from '@taskflow/db';
import type { FiredReminder } from '@taskflow/db';
import { triggeredEvent } from './triggered.ts';

/**
 * Fires one batch: claims due reminders and appends their `reminder.triggered` events in ONE
 * transaction. A worker killed at any point either committed both (each fired once, its event
 * in the outbox) or neither (the rows unlock when Postgres sees the connection die, and the
 * next claim, by any replica, takes them).
 */
export async function fireBatch(database: Database, policy: ClaimPolicy): Promise<FiredReminder[]> {
  return database.transaction(async (tx) => {
    const fired = await fireDueReminders(tx, policy);
    await appendEventBatch(tx, fired.map(triggeredEvent));
    return fired;
  });
}
