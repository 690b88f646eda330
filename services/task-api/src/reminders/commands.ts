import { createHash } from 'node:crypto';
import { REMINDERS_PER_TASK_MAX, type Reminder } from '@taskflow/contracts';
import {
  claimIdempotencyKey,
  countTaskReminders,
  deleteReminder,
  findTask,
  insertReminder,
  recordIdempotentResponse,
  toReminder,
  type Database,
} from '@taskflow/db';
import { AppError, notFound } from '@taskflow/service-kit';
import { reminderTime, type ReminderShape } from './timing.ts';

export interface ReminderActor {
  userId: string;
}

export interface IdempotentReminderRequest {
  key: string;
  /** Anything that identifies the request's content; a reused key must come with the same. */
  fingerprint: unknown;
}

/**
 * Adding and deleting reminders. Neither appends an event: a reminder is not one of the seed's
 * event types, and nothing downstream needs to hear of it. The reminder-worker finds due ones
 * in the table itself; `reminder.triggered` is the event, once one fires.
 */
export function reminderCommands(database: Database) {
  return {
    async create(
      actor: ReminderActor,
      taskId: string,
      shape: ReminderShape,
      idempotency?: IdempotentReminderRequest,
    ): Promise<{ reminder: Reminder; replayed: boolean }> {
      return database.transaction(async (tx) => {
        if (idempotency) {
          const hash = fingerprintOf(idempotency.fingerprint);
          const claim = await claimIdempotencyKey(tx, actor.userId, idempotency.key, hash);
          if (claim.outcome === 'replay') {
            return { reminder: claim.response as Reminder, replayed: true };
          }
          if (claim.outcome === 'mismatch') {
            throw new AppError(
              'idempotency_key_reused',
              'this Idempotency-Key was used for a different request',
            );
          }
        }
        // Locked: a concurrent due-date change or completion waits, so the reminder is
        // computed from, and checked against, the task as it will stay.
        const task = await findTask(tx, actor.userId, taskId, { forUpdate: true });
        if (!task) throw notFound('task');
        if (task.completed) {
          throw new AppError('conflict', 'the task is completed: reopen it to add reminders');
        }
        const { remindAt, offsetSeconds } = reminderTime(shape, task.dueDate, new Date());
        if ((await countTaskReminders(tx, taskId, actor.userId)) >= REMINDERS_PER_TASK_MAX) {
          throw new AppError(
            'conflict',
            `a task holds at most ${REMINDERS_PER_TASK_MAX} reminders of each user: delete some first`,
          );
        }
        const row = await insertReminder(tx, {
          taskId,
          userId: actor.userId,
          remindAt,
          offsetSeconds,
        });
        if (!row) {
          throw new AppError(
            'conflict',
            `you already have a reminder on this task at ${remindAt.toISOString()}`,
          );
        }
        const reminder = toReminder(row);
        if (idempotency) {
          await recordIdempotentResponse(tx, actor.userId, idempotency.key, 201, reminder);
        }
        return { reminder, replayed: false };
      });
    },

    /** Deletes one reminder, whatever its status (a pending one then never fires). */
    async remove(actor: ReminderActor, taskId: string, reminderId: string): Promise<void> {
      const deleted = await deleteReminder(database.db, actor.userId, taskId, reminderId);
      if (!deleted) throw notFound('reminder');
    },
  };
}

export type ReminderCommands = ReturnType<typeof reminderCommands>;

function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}
