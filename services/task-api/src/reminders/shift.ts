import { applyReminderMoves, lockMovableReminders, type Executor } from '@taskflow/db';
import { planDueDateChange } from './timing.ts';

/**
 * Moves (or, for a cleared due date, deletes) the task's relative reminders. Call it in the
 * transaction that changes the due date, with the task already locked: the reminders then
 * never disagree with the due date, and no worker fires one at its old time meanwhile (the
 * worker's claim skips tasks locked by a change in flight).
 */
export async function followDueDate(
  tx: Executor,
  taskId: string,
  dueDate: Date | null,
): Promise<void> {
  const locked = await lockMovableReminders(tx, taskId);
  if (locked.length === 0) return;
  const byId = new Map(locked.map((row) => [row.id, row]));
  const plan = planDueDateChange(
    locked.map((row) => ({
      id: row.id,
      offsetSeconds: row.offsetSeconds ?? 0,
      remindAt: row.remindAt,
    })),
    dueDate,
  );
  await applyReminderMoves(tx, {
    remove: plan.remove,
    move: plan.move.map(({ id, remindAt }) => ({ row: byId.get(id)!, remindAt })),
  });
}
