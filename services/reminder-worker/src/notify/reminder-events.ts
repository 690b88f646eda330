import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Instant, ReminderTriggeredData, TOPICS, UserId, Uuid } from '@taskflow/contracts';
import { defineSubscription, type DeliveryStatus } from '@taskflow/messaging';
import { insertDeliveries, reminderChannelIds, type Database } from '@taskflow/db';
import type { NotifierMetrics } from '../metrics.ts';
import type { ReminderPayload } from './payloads.ts';

const TRIGGERED = 'reminder.triggered';

/** A reminder.triggered event, as much of it as the notifier reads. */
const Triggered = z.looseObject({
  event_id: Uuid,
  event_type: z.literal(TRIGGERED),
  user_id: UserId,
  timestamp: Instant,
  data: ReminderTriggeredData,
});

/**
 * An event of reminders.events. Other types (none today) are acknowledged, not dead-lettered;
 * a reminder.triggered that does not match its schema fails this one, so the transport
 * dead-letters it at once with the reason (every issue, by path).
 */
export const ReminderEvent = z
  .looseObject({ event_id: Uuid, event_type: z.string().min(1) })
  .superRefine((event, context) => {
    if (event.event_type !== TRIGGERED) return;
    const parsed = Triggered.safeParse(event);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
  });

/**
 * `reminders.events` -> a delivery for each channel the reminder goes to: the task's channel
 * choice of the reminder's user, else their default channels, verified ones only. One row per
 * reminder and channel (a unique index), so a redelivered event queues nothing more and sends
 * nothing twice; the sender tick sends them.
 */
export function reminderEventSubscription(database: Database, metrics: NotifierMetrics) {
  return defineSubscription({
    topic: TOPICS.reminders,
    audience: 'shared',
    route: '/events/reminders',
    schema: ReminderEvent,
    async handler(event, { log }): Promise<DeliveryStatus> {
      if (event.event_type !== TRIGGERED) return 'SUCCESS';
      const { user_id, timestamp, data } = Triggered.parse(event);
      const channelIds = await reminderChannelIds(database.db, user_id, data.task_id);
      if (channelIds.length === 0) return 'SUCCESS';
      const payload: ReminderPayload = { ...data, fired_at: timestamp };
      const queued = await insertDeliveries(
        database.db,
        channelIds.map((channelId) => ({
          id: randomUUID(),
          userId: user_id,
          channelId,
          purpose: 'reminder' as const,
          reminderId: data.reminder_id,
          taskId: data.task_id,
          payload,
        })),
      );
      metrics.queued.inc(queued);
      log.info(
        { reminder_id: data.reminder_id, channels: channelIds.length, queued },
        queued < channelIds.length
          ? 'reminder deliveries (some queued before)'
          : 'reminder deliveries queued',
      );
      return 'SUCCESS';
    },
  });
}
