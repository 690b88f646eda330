import { z } from 'zod';
import { TOPICS, Uuid } from '@taskflow/contracts';
import { defineSubscription } from '@taskflow/messaging';
import { reconcileTaskReminders, type Database } from '@taskflow/db';
import type { ReminderMetrics } from '../metrics.ts';

/**
 * Only what this consumer reads of an event. Deliberately loose: tasks.events also carries
 * event types this worker has no business with (and new ones may come); those are acknowledged,
 * not dead-lettered for failing a schema they were never meant to meet.
 */
export const TaskEventRef = z.looseObject({
  event_id: Uuid,
  event_type: z.string().min(1),
  aggregate_id: z.string().min(1),
});
export type TaskEventRef = z.infer<typeof TaskEventRef>;

/** Events after which a task's reminders may have to change: completed, or reopened. */
const RECONCILED = new Set(['task.completed', 'task.updated']);

/**
 * `tasks.events` -> a task's reminders follow its completion. The handler never trusts the
 * event's copy of the task: it reconciles with the row as it is now (reconcileTaskReminders),
 * so replays, duplicates and out-of-order deliveries all end in the same state, and no ledger
 * of processed event ids is needed. task.deleted needs nothing: the reminders went with the
 * task (ON DELETE CASCADE).
 */
export function taskEventSubscription(database: Database, metrics: ReminderMetrics) {
  return defineSubscription({
    topic: TOPICS.tasks,
    audience: 'shared',
    route: '/events/tasks',
    schema: TaskEventRef,
    async handler(event, { log }) {
      if (!RECONCILED.has(event.event_type)) return 'SUCCESS';
      if (!Uuid.safeParse(event.aggregate_id).success) {
        log.error({ event_id: event.event_id }, 'task event without a task id: dropped');
        return 'DROP';
      }
      const { cancelled, rearmed } = await reconcileTaskReminders(database.db, event.aggregate_id);
      metrics.cancelled.inc(cancelled);
      metrics.rearmed.inc(rearmed);
      if (cancelled + rearmed > 0) {
        log.info(
          { task_id: event.aggregate_id, event_id: event.event_id, cancelled, rearmed },
          'reminders follow the task',
        );
      }
      return 'SUCCESS';
    },
  });
}
