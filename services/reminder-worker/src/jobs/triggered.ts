import { makeEvent, type EventOf } from '@taskflow/contracts';
import type { FiredReminder } from '@taskflow/db';

/**
 * The `reminder.triggered` event of a fired reminder. Its aggregate is the reminder, at
 * version 1: a reminder fires at most once (fired ones never move or re-arm), so there is no
 * second version. The correlation id is the reminder's id, so one search finds its trail.
 */
export function triggeredEvent(reminder: FiredReminder): EventOf<'reminder.triggered'> {
  return makeEvent(
    'reminder.triggered',
    { id: reminder.id, version: 1 },
    {
      reminder_id: reminder.id,
      task_id: reminder.taskId,
      title: reminder.title,
      remind_at: reminder.remindAt.toISOString(),
      due_date: reminder.dueDate?.toISOString() ?? null,
      late: reminder.late,
      project_id: reminder.projectId,
    },
    { userId: reminder.userId, correlationId: reminder.id, at: reminder.firedAt },
  );
}
