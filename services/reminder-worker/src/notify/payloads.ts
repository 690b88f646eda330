import { z } from 'zod';
import { Instant, ReminderTriggeredData } from '@taskflow/contracts';

// The `payload` of a delivery row, as its makers store it: the notifier's subscription for a
// reminder (from its reminder.triggered event), task-api for a verification.

export const ReminderPayload = ReminderTriggeredData.extend({
  /** When the reminder fired: the event's timestamp. */
  fired_at: Instant,
});
export type ReminderPayload = z.infer<typeof ReminderPayload>;

/** An email's verification link carries the token; task-api keeps only its hash. */
export const EmailVerificationPayload = z.object({ token: z.string().min(1) });
/** A webhook answers this challenge to be verified. */
export const WebhookVerificationPayload = z.object({ challenge: z.string().min(1) });
