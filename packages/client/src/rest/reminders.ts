import {
  PendingReminderList,
  Reminder,
  ReminderList,
  type CreateReminderBody,
} from '@taskflow/contracts';
import type { z } from 'zod';
import type { Http } from './http.ts';

/** Reminders of a task, and the user's upcoming ones across tasks. */
export function remindersApi(http: Http, base: string) {
  return {
    create: (
      taskId: string,
      body: z.input<typeof CreateReminderBody>,
      { idempotencyKey = crypto.randomUUID() } = {},
    ) =>
      http('POST', `${base}/tasks/${taskId}/reminders`, Reminder, {
        body,
        headers: { 'idempotency-key': idempotencyKey },
      }),
    list: (taskId: string) => http('GET', `${base}/tasks/${taskId}/reminders`, ReminderList),
    remove: (taskId: string, reminderId: string) =>
      http('DELETE', `${base}/tasks/${taskId}/reminders/${reminderId}`, undefined),
    pending: (query: { limit?: number; cursor?: string; status?: string } = {}) =>
      http('GET', `${base}/reminders/pending`, PendingReminderList, { query }),
  };
}
