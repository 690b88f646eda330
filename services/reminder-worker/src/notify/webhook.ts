import type { WebhookPayload } from '@taskflow/contracts';
import type { ClaimedDelivery } from '@taskflow/db';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, deliver, sign } from '@taskflow/outbound';
import { permanent, retryAfterMs, transient, type AttemptResult } from './outcome.ts';
import { ReminderPayload, WebhookVerificationPayload } from './payloads.ts';
import type { WebhookSettings } from './settings.ts';

export const USER_AGENT = 'taskflow-webhooks/1';
export const TIMESTAMP_HEADER = 'X-Taskflow-Timestamp';

/**
 * The JSON body of a delivery's webhook request. `id` and `created_at` are the delivery's, so
 * every attempt sends the same body (only the signature's timestamp changes).
 */
export function webhookPayload(delivery: ClaimedDelivery): WebhookPayload {
  const base = { id: delivery.id, created_at: delivery.createdAt.toISOString() };
  if (delivery.purpose === 'verification') {
    const { challenge } = WebhookVerificationPayload.parse(delivery.payload);
    return {
      ...base,
      type: 'verification',
      data: { challenge, channel_id: delivery.channelId },
    };
  }
  const reminder = ReminderPayload.parse(delivery.payload);
  return {
    ...base,
    type: 'reminder',
    data: {
      reminder_id: reminder.reminder_id,
      task_id: reminder.task_id,
      title: reminder.title,
      due_date: reminder.due_date,
      remind_at: reminder.remind_at,
      late: reminder.late,
      project_id: reminder.project_id,
    },
  };
}

/** A receiver's status that is its final word on this request: trying again cannot help. */
export const isPermanentStatus = (status: number): boolean =>
  status >= 300 && status < 500 && status !== 408 && status !== 429;

/**
 * One signed POST of a delivery to its webhook, through @taskflow/outbound: the URL and every
 * address it resolves to are checked now (not only when the channel was added), no redirect is
 * followed, one timeout bounds it all. 2xx: sent; for a verification, only if the body holds
 * the challenge (the answer is then also what verifies the channel).
 */
export async function sendWebhook(
  delivery: ClaimedDelivery,
  settings: WebhookSettings,
): Promise<AttemptResult> {
  const { secret, address } = delivery.channel;
  if (!secret) return permanent('the webhook channel has no secret');
  let payload: WebhookPayload;
  try {
    payload = webhookPayload(delivery);
  } catch (error) {
    return permanent(
      `unreadable payload: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const outcome = await deliver({
    url: address,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      [DELIVERY_ID_HEADER]: delivery.id,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: sign({ secret, timestamp, body }),
    },
    body,
    timeoutMs: settings.timeoutMs,
    allowHttp: settings.allowHttp,
    ...(settings.lookup ? { lookup: settings.lookup } : {}),
    ...(settings.policy ? { policy: settings.policy } : {}),
  });
  switch (outcome.kind) {
    case 'refused':
      // A name that resolves to nothing may resolve tomorrow; a forbidden address, a scheme or
      // a port will not become allowed.
      return outcome.code === 'no_address'
        ? transient(`refused: ${outcome.reason}`)
        : permanent(`refused: ${outcome.reason}`);
    case 'timeout':
      return transient(`no answer within ${outcome.timeoutMs} ms`);
    case 'network':
      return transient(`network: ${outcome.code ?? outcome.message}`);
    case 'response': {
      const { status } = outcome;
      if (status >= 200 && status < 300) {
        if (
          payload.type === 'verification' &&
          !outcome.bodyPreview.includes(payload.data.challenge)
        ) {
          return permanent(
            `answered ${status} without the challenge in its body: the channel stays unverified (send the verification again once the receiver echoes it)`,
          );
        }
        return { ok: true, detail: `HTTP ${status}` };
      }
      if (status >= 300 && status < 400) {
        const location = outcome.headers.location;
        return permanent(
          `HTTP ${status} redirect${location ? ` to ${String(location).slice(0, 200)}` : ''}: redirects are not followed; register the final URL`,
        );
      }
      if (isPermanentStatus(status)) return permanent(`HTTP ${status}`);
      return transient(`HTTP ${status}`, retryAfterMs(outcome.headers['retry-after']));
    }
  }
}
