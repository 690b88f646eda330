import type { ClaimedDelivery } from '@taskflow/db';
import { EmailVerificationPayload, ReminderPayload } from './payloads.ts';
import type { EmailSettings } from './settings.ts';

// The emails, composed as data (no transport here): a reminder, and an address's verification.
// Every user-given text (the task's title, the address) is escaped in the HTML part and kept
// off header lines; times are shown in the channel's time zone.

export interface ComposedEmail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  /** `<delivery id@domain>`: the same on every attempt, so a repeat can be recognised. */
  messageId: string;
  /** Further headers, exactly as they are to be sent (no folding or encoding needed). */
  headers: Record<string, string>;
}

/** How long the verification link works (task-api's VERIFY_LINK_TTL_MS). */
const VERIFY_LINK_HOURS = 24;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** A text for one header line: no line breaks or other control characters, at most 200 characters. */
export function headerText(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** An instant as a person in `timeZone` reads it: "Tuesday, 15 January 2030 at 15:30 GMT+5:30". */
export function formatInstant(instant: string | Date, timeZone: string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  let format: Intl.DateTimeFormat;
  try {
    format = dateFormat(timeZone);
  } catch {
    // A zone this runtime does not know (the list is the contracts'): UTC, which the format names.
    format = dateFormat('UTC');
  }
  return format.format(date);
}

const formats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
      timeZoneName: 'short',
    });
    formats.set(timeZone, format);
  }
  return format;
}

export const messageIdOf = (deliveryId: string, domain: string) => `<${deliveryId}@${domain}>`;
export const unsubscribeUrl = (publicUrl: string, token: string) =>
  `${publicUrl}/api/links/unsubscribe?token=${encodeURIComponent(token)}`;
export const verifyUrl = (publicUrl: string, token: string) =>
  `${publicUrl}/api/links/verify?token=${encodeURIComponent(token)}`;

/** Headers of every email the notifier sends: it is automatic, and must get no auto-reply. */
const AUTOMATIC = {
  'Auto-Submitted': 'auto-generated',
  'X-Auto-Response-Suppress': 'All',
};

/**
 * The email of a claimed delivery to an email channel. Throws on a payload that is not what its
 * maker stores (the delivery then fails: no retry can mend it).
 */
export function composeEmail(delivery: ClaimedDelivery, settings: EmailSettings): ComposedEmail {
  return delivery.purpose === 'verification'
    ? verificationEmail(delivery, settings)
    : reminderEmail(delivery, settings);
}

function reminderEmail(delivery: ClaimedDelivery, settings: EmailSettings): ComposedEmail {
  const payload = ReminderPayload.parse(delivery.payload);
  const { timeZone, unsubscribeToken } = delivery.channel;
  if (!unsubscribeToken) throw new Error('the email channel has no unsubscribe token');
  const unsubscribe = unsubscribeUrl(settings.publicUrl, unsubscribeToken);
  const page = `${settings.publicUrl}/`;
  const due = payload.due_date ? formatInstant(payload.due_date, timeZone) : null;
  const remindAt = formatInstant(payload.remind_at, timeZone);
  const title = payload.title;
  const lateNote = payload.late
    ? `This reminder comes late: it was set for ${remindAt}, and could not be sent then.`
    : null;

  const text = [
    `Reminder: ${title}`,
    '',
    due ? `Due: ${due}` : 'No due date.',
    `Reminder set for: ${remindAt}`,
    ...(lateNote ? ['', lateNote] : []),
    '',
    `Open taskflow: ${page}`,
    '',
    '-- ',
    `Times are shown in ${timeZone}.`,
    `You get this email because ${delivery.channel.address} is a reminder channel of a taskflow account.`,
    `Stop these emails: ${unsubscribe}`,
    '',
  ].join('\n');

  const html = htmlPage(
    `Reminder: ${title}`,
    [
      `<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(title)}</h1>`,
      `<p style="margin:0 0 8px">${due ? `<strong>Due:</strong> ${escapeHtml(due)}` : 'No due date.'}</p>`,
      `<p style="margin:0 0 16px"><strong>Reminder set for:</strong> ${escapeHtml(remindAt)}</p>`,
      lateNote ? `<p style="margin:0 0 16px;color:#8a5a00">${escapeHtml(lateNote)}</p>` : '',
      button(page, 'Open taskflow'),
    ].join(''),
    [
      `Times are shown in ${escapeHtml(timeZone)}.`,
      `You get this email because ${escapeHtml(delivery.channel.address)} is a reminder channel of a taskflow account.`,
      `<a href="${escapeHtml(unsubscribe)}" style="color:#5b6472">Unsubscribe</a>`,
    ],
  );

  return {
    to: delivery.channel.address,
    from: settings.from,
    subject: headerText(`Reminder: ${title}`),
    text,
    html,
    messageId: messageIdOf(delivery.id, settings.messageIdDomain),
    headers: {
      ...AUTOMATIC,
      // RFC 2369 and RFC 8058: mail providers show their own unsubscribe button, which POSTs
      // `List-Unsubscribe=One-Click` to the URL; no sign-in, the token is the credential.
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

function verificationEmail(delivery: ClaimedDelivery, settings: EmailSettings): ComposedEmail {
  const { token } = EmailVerificationPayload.parse(delivery.payload);
  const link = verifyUrl(settings.publicUrl, token);
  const address = delivery.channel.address;
  const text = [
    'Confirm your email address for taskflow reminders',
    '',
    `Someone (we hope you) asked taskflow to send reminders to ${address}.`,
    `Open this link within ${VERIFY_LINK_HOURS} hours to confirm:`,
    '',
    link,
    '',
    'If it was not you, ignore this email: nothing will be sent to this address.',
    '',
  ].join('\n');
  const html = htmlPage(
    'Confirm your email address',
    [
      '<h1 style="font-size:20px;margin:0 0 16px">Confirm your email address</h1>',
      `<p style="margin:0 0 16px">Someone (we hope you) asked taskflow to send reminders to <strong>${escapeHtml(address)}</strong>. Confirm within ${VERIFY_LINK_HOURS} hours:</p>`,
      button(link, 'Confirm this address'),
      `<p style="margin:16px 0 0;font-size:13px;color:#5b6472">Or open this link: ${escapeHtml(link)}</p>`,
    ].join(''),
    ['If it was not you, ignore this email: nothing will be sent to this address.'],
  );
  return {
    to: address,
    from: settings.from,
    subject: 'Confirm your email address for taskflow reminders',
    text,
    html,
    messageId: messageIdOf(delivery.id, settings.messageIdDomain),
    headers: { ...AUTOMATIC },
  };
}

function button(href: string, label: string): string {
  return `<p style="margin:0"><a href="${escapeHtml(href)}" style="display:inline-block;background:#2f5bea;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px">${escapeHtml(label)}</a></p>`;
}

/** A whole HTML document; `title` is escaped here, `body` and `footer` are HTML already. */
function htmlPage(title: string, body: string, footer: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f4f5f7;font:16px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:#1d2330">',
    '<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">',
    body,
    '</div>',
    `<div style="max-width:560px;margin:16px auto 0;font-size:12px;color:#5b6472">${footer.map((line) => `<p style="margin:0 0 4px">${line}</p>`).join('')}</div>`,
    '</body></html>',
  ].join('\n');
}
