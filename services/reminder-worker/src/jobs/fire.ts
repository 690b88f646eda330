import { fireDueReminders, type ClaimPolicy, type FiredReminder } from '@taskflow/db';
import type { Outbox } from '@taskflow/outbox';
import { triggeredEvent } from './triggered.ts';

/**
 * Fires one batch: claims due reminders and appends their `reminder.triggered` events in ONE
 * transaction (a unit of work of the outbox, whose commit wakes the relay). A worker killed at any point either committed both (each fired once, its event
 * in the outbox) or neither (the rows unlock when Postgres sees the connection die, and the
 * next claim, by any replica, takes them).
 */
export async function fireBatch(outbox: Outbox, policy: ClaimPolicy): Promise<FiredReminder[]> {
  return outbox.commit(async (tx, emit) => {
    const fired = await fireDueReminders(tx, policy);
    emit(...fired.map(triggeredEvent));
    return fired;
  });
}
