import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '@taskflow/db';
import { composeEmail, escapeHtml, formatInstant, headerText } from './email.ts';

const settings = {
  from: 'taskflow <reminders@taskflow.test>',
  publicUrl: 'https://taskflow.test',
  messageIdDomain: 'taskflow.test',
};

function delivery(overrides: Partial<ClaimedDelivery> = {}, payload: object = {}): ClaimedDelivery {
  return {
    id: randomUUID(),
    userId: 'user-1',
    channelId: randomUUID(),
    purpose: 'reminder',
    reminderId: randomUUID(),
    taskId: randomUUID(),
    attempt: 1,
    createdAt: new Date('2030-01-15T09:59:00Z'),
    payload: {
      reminder_id: randomUUID(),
      task_id: randomUUID(),
      title: 'Call mum',
      due_date: '2030-01-15T10:00:00.000Z',
      remind_at: '2030-01-15T09:45:00.000Z',
      late: false,
      project_id: null,
      fired_at: '2030-01-15T09:45:00.100Z',
      ...payload,
    },
    channel: {
      kind: 'email',
      address: 'ann@example.com',
      status: 'verified',
      timeZone: 'Asia/Kolkata',
      secret: null,
      unsubscribeToken: 'u'.repeat(43),
    },
    ...overrides,
  };
}

describe('formatInstant', () => {
  it("shows an instant in the channel's zone, named", () => {
    const at = '2030-01-15T10:00:00Z';
    expect(formatInstant(at, 'Asia/Kolkata')).toBe('Tuesday, 15 January 2030 at 15:30 GMT+5:30');
    expect(formatInstant(at, 'Europe/Berlin')).toBe('Tuesday, 15 January 2030 at 11:00 CET');
    expect(formatInstant(at, 'America/New_York')).toBe('Tuesday, 15 January 2030 at 05:00 GMT-5');
    expect(formatInstant(at, 'UTC')).toBe('Tuesday, 15 January 2030 at 10:00 UTC');
  });

  it('crosses the date line and daylight saving time like the zone does', () => {
    expect(formatInstant('2030-07-15T23:30:00Z', 'Pacific/Auckland')).toBe(
      'Tuesday, 16 July 2030 at 11:30 GMT+12',
    );
    expect(formatInstant('2030-07-15T10:00:00Z', 'Europe/Berlin')).toBe(
      'Monday, 15 July 2030 at 12:00 CEST',
    );
  });

  it('falls back to UTC, named, for a zone the runtime does not know', () => {
    expect(formatInstant('2030-01-15T10:00:00Z', 'Mars/Olympus_Mons')).toBe(
      'Tuesday, 15 January 2030 at 10:00 UTC',
    );
  });
});

describe('composeEmail: a reminder', () => {
  it('holds the title, the due and reminder times in the zone, the page and the unsubscribe link', () => {
    const d = delivery();
    const email = composeEmail(d, settings);
    expect(email.to).toBe('ann@example.com');
    expect(email.from).toBe(settings.from);
    expect(email.subject).toBe('Reminder: Call mum');
    expect(email.messageId).toBe(`<${d.id}@taskflow.test>`);
    const unsubscribe = `https://taskflow.test/api/links/unsubscribe?token=${'u'.repeat(43)}`;
    expect(email.headers).toEqual({
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    for (const part of [email.text, email.html]) {
      expect(part).toContain('Call mum');
      expect(part).toContain('Tuesday, 15 January 2030 at 15:30 GMT+5:30');
      expect(part).toContain('Tuesday, 15 January 2030 at 15:15 GMT+5:30');
      expect(part).toContain('https://taskflow.test/');
      expect(part).toContain(unsubscribe);
      expect(part).toContain('Asia/Kolkata');
    }
    expect(email.text).not.toContain('<');
  });

  it('escapes the title in the HTML part and keeps it off other header lines', () => {
    const title = '<script>alert("x")</script> & <b>bold</b>\r\nBcc: eve@example.com';
    const email = composeEmail(delivery({}, { title }), settings);
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<b>bold</b>');
    expect(email.html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;',
    );
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toBe(
      'Reminder: <script>alert("x")</script> & <b>bold</b> Bcc: eve@example.com',
    );
    // The text part is plain text: the title as written.
    expect(email.text).toContain(title);
  });

  it('escapes the address too, and says when there is no due date or the reminder is late', () => {
    const d = delivery({}, { due_date: null, late: true });
    d.channel.address = 'o"brien&co@example.com';
    const email = composeEmail(d, settings);
    expect(email.html).toContain('o&quot;brien&amp;co@example.com');
    expect(email.text).toContain('No due date.');
    expect(email.text).toContain('This reminder comes late');
  });

  it('refuses a payload that is not a reminder, or a channel without its unsubscribe token', () => {
    expect(() => composeEmail(delivery({ payload: { title: 1 } }), settings)).toThrow();
    const d = delivery();
    d.channel.unsubscribeToken = null;
    expect(() => composeEmail(d, settings)).toThrow(/unsubscribe token/);
  });
});

describe('composeEmail: a verification', () => {
  it('carries the verify link, in both parts, and no List-Unsubscribe', () => {
    const token = 'T'.repeat(43);
    const d = delivery({
      purpose: 'verification',
      reminderId: null,
      taskId: null,
      payload: { token },
    });
    d.channel.status = 'unverified';
    const email = composeEmail(d, settings);
    const link = `https://taskflow.test/api/links/verify?token=${token}`;
    expect(email.text).toContain(link);
    expect(email.html).toContain(`href="${link}"`);
    expect(email.subject).toBe('Confirm your email address for taskflow reminders');
    expect(email.headers['List-Unsubscribe']).toBeUndefined();
    expect(email.headers['Auto-Submitted']).toBe('auto-generated');
  });
});

describe('escapeHtml and headerText', () => {
  it('escape the five characters, and flatten control characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    expect(headerText('a\r\n\tb\u2028c')).toBe('a b c');
    expect(headerText('x'.repeat(300))).toHaveLength(200);
  });
});
