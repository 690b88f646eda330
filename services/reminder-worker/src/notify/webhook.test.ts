import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookPayload } from '@taskflow/contracts';
import type { ClaimedDelivery } from '@taskflow/db';
import { isPermanentSmtpError } from './email-transport.ts';
import { isPermanentStatus, webhookPayload } from './webhook.ts';

const base = (purpose: 'reminder' | 'verification', payload: unknown): ClaimedDelivery => ({
  id: randomUUID(),
  userId: 'user-1',
  channelId: randomUUID(),
  purpose,
  reminderId: null,
  taskId: null,
  attempt: 2,
  createdAt: new Date('2030-01-15T09:45:00.123Z'),
  payload,
  channel: {
    kind: 'webhook',
    address: 'https://hooks.example.com/taskflow',
    status: 'verified',
    timeZone: 'UTC',
    secret: 'whsec_x',
    unsubscribeToken: null,
  },
});

describe('webhookPayload', () => {
  it("is the contract's WebhookPayload, with the delivery's id and time (the same every attempt)", () => {
    const reminder = {
      reminder_id: randomUUID(),
      task_id: randomUUID(),
      title: 'Call mum',
      due_date: null,
      remind_at: '2030-01-15T09:45:00.000Z',
      late: false,
      project_id: null,
      fired_at: '2030-01-15T09:45:00.050Z',
    };
    const delivery = base('reminder', reminder);
    const payload = webhookPayload(delivery);
    expect(WebhookPayload.parse(payload)).toEqual(payload);
    const { fired_at: _fired, ...data } = reminder;
    expect(payload).toEqual({
      id: delivery.id,
      type: 'reminder',
      created_at: '2030-01-15T09:45:00.123Z',
      data,
    });
  });

  it('a verification carries the challenge and the channel', () => {
    const delivery = base('verification', { challenge: 'c'.repeat(43) });
    expect(webhookPayload(delivery)).toMatchObject({
      type: 'verification',
      data: { challenge: 'c'.repeat(43), channel_id: delivery.channelId },
    });
  });
});

describe('what fails at once', () => {
  it('a 3xx or a 4xx but 408 and 429, from a webhook', () => {
    const permanentOnes = [301, 302, 307, 400, 401, 403, 404, 410, 413, 422];
    const retried = [408, 429, 500, 502, 503, 504];
    expect(permanentOnes.filter(isPermanentStatus)).toEqual(permanentOnes);
    expect(retried.filter(isPermanentStatus)).toEqual([]);
  });

  it("a mail server's 5xx to the envelope or the message, not to the login or the connection", () => {
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 550, permanent: true })).toBe(
      true,
    );
    expect(isPermanentSmtpError({ code: 'EMESSAGE', responseCode: 554 })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 451, permanent: false })).toBe(
      false,
    );
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 503 })).toBe(false);
    expect(isPermanentSmtpError({ code: 'EAUTH', responseCode: 535, permanent: true })).toBe(false);
    expect(isPermanentSmtpError({ code: 'ECONNECTION' })).toBe(false);
  });
});
