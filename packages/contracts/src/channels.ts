import { z } from 'zod';
import { Cursor, Instant, UserId, Uuid } from './common.ts';
import { TIME_ZONES } from './time-zones.ts';

// Where a reminder reaches its user besides their open tabs: an email address or a webhook.
// Each channel is verified before anything but its verification is sent to it.

/** A user holds at most this many channels. */
export const CHANNELS_PER_USER_MAX = 20;
export const EMAIL_MAX = 254;
export const WEBHOOK_URL_MAX = 2048;

export const ChannelKind = z.enum(['email', 'webhook']);
export type ChannelKind = z.infer<typeof ChannelKind>;

/**
 * unverified: waiting for its verification (the link in the email, or the webhook's answer to
 * its challenge); only the verification is sent to it. verified: reminders go to it.
 * unsubscribed: the email's unsubscribe link was used; nothing is sent until it is verified
 * again (`POST .../verification`).
 */
export const ChannelStatus = z.enum(['unverified', 'verified', 'unsubscribed']);
export type ChannelStatus = z.infer<typeof ChannelStatus>;

const TimeZone = z
  .enum(TIME_ZONES, 'must be an IANA time zone name such as Europe/Berlin, spelt as listed')
  .describe("IANA time zone the email's times are shown in, e.g. `Europe/Berlin`");

export const Channel = z.object({
  id: Uuid,
  kind: ChannelKind,
  /** The email address, or the webhook's URL. */
  address: z.string(),
  status: ChannelStatus,
  /** Used by every reminder whose task has no channel choice of its own. */
  use_by_default: z.boolean(),
  time_zone: z.string(),
  verified_at: Instant.nullable(),
  created_at: Instant,
  updated_at: Instant,
});
export type Channel = z.infer<typeof Channel>;

/** A webhook channel as created or after its secret is rotated: the secret, this once. */
export const ChannelWithSecret = Channel.extend({
  secret: z
    .string()
    .describe('The HMAC-SHA256 key of `X-Taskflow-Signature`. Shown only in this answer.'),
});
export type ChannelWithSecret = z.infer<typeof ChannelWithSecret>;

const EmailAddress = z
  .email('must be an email address such as ann@example.com')
  .max(EMAIL_MAX)
  // RFC 5321: the part before the @ is at most 64 octets.
  .regex(/^[^@]{1,64}@/, 'the part before the @ must be at most 64 characters')
  .describe('Where reminder emails go; a link sent there verifies it');

const WebhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(WEBHOOK_URL_MAX)
  .describe(
    'Where reminders are POSTed. https only (http too with ENVIRONMENT=local); never a loopback, private, link-local or metadata address, checked on the resolved address at every delivery',
  );

export const CreateChannelBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('email'),
    address: EmailAddress,
    time_zone: TimeZone.default('UTC'),
    use_by_default: z.boolean().default(true),
  }),
  z.strictObject({
    kind: z.literal('webhook'),
    address: WebhookUrl,
    use_by_default: z.boolean().default(true),
  }),
]);
export type CreateChannelBody = z.infer<typeof CreateChannelBody>;

export const PatchChannelBody = z
  .strictObject({ use_by_default: z.boolean().optional(), time_zone: TimeZone.optional() })
  .refine((body) => Object.keys(body).length > 0, 'send use_by_default or time_zone')
  .meta({ minProperties: 1 });
export type PatchChannelBody = z.infer<typeof PatchChannelBody>;

export const ChannelPathParams = z.strictObject({ user_id: UserId, channel_id: Uuid });
export const ChannelList = z.object({ items: z.array(Channel) });
export type ChannelList = z.infer<typeof ChannelList>;

/**
 * A task's channels for the user's reminders on it: these channels, or `null` for the user's
 * default ones (`use_by_default`). `[]` sends its reminders to open tabs only.
 */
export const TaskChannels = z.object({ channel_ids: z.array(Uuid).nullable() });
export type TaskChannels = z.infer<typeof TaskChannels>;
export const TaskChannelsBody = z.strictObject({
  channel_ids: z.array(Uuid).max(CHANNELS_PER_USER_MAX).nullable(),
});
export type TaskChannelsBody = z.infer<typeof TaskChannelsBody>;

/**
 * pending: waiting for its (next) attempt. sending: an attempt is under way. sent: the channel
 * took it (SMTP accepted the message, or the webhook answered 2xx). failed: every attempt
 * failed; it is not tried again and stays listed.
 */
export const DeliveryStatus = z.enum(['pending', 'sending', 'sent', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const DeliveryPurpose = z.enum(['reminder', 'verification']);
export type DeliveryPurpose = z.infer<typeof DeliveryPurpose>;

export const Delivery = z.object({
  /** Stable across attempts: the email's `Message-ID`, the webhook's `X-Taskflow-Delivery-Id`. */
  id: Uuid,
  channel_id: Uuid,
  purpose: DeliveryPurpose,
  reminder_id: Uuid.nullable(),
  task_id: Uuid.nullable(),
  status: DeliveryStatus,
  attempts: z.int().min(0),
  next_attempt_at: Instant.nullable(),
  /** Why the last attempt failed: an SMTP reply, an HTTP status, a refused address, a timeout. */
  last_error: z.string().nullable(),
  sent_at: Instant.nullable(),
  created_at: Instant,
});
export type Delivery = z.infer<typeof Delivery>;

export const DeliveriesQuery = z.strictObject({
  status: DeliveryStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: Cursor.optional(),
});
export type DeliveriesQuery = z.infer<typeof DeliveriesQuery>;

export const DeliveryList = z.object({
  items: z.array(Delivery),
  next_cursor: z.string().nullable(),
});
export type DeliveryList = z.infer<typeof DeliveryList>;

/** `?token=` of the links in an email (verify, unsubscribe): the link itself is the credential. */
export const LinkQuery = z.strictObject({
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'the token of the link, as sent')
    .describe('The token from the link in the email'),
});

/**
 * The JSON body of every webhook request. Headers: `X-Taskflow-Delivery-Id` (= `id`, the same
 * on every retry), `X-Taskflow-Timestamp` (Unix seconds), `X-Taskflow-Signature`
 * (`t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`).
 */
export const WebhookPayload = z.discriminatedUnion('type', [
  z.object({
    id: Uuid,
    type: z.literal('reminder'),
    created_at: Instant,
    data: z.object({
      reminder_id: Uuid,
      task_id: Uuid,
      title: z.string(),
      due_date: Instant.nullable(),
      remind_at: Instant,
      late: z.boolean(),
      project_id: Uuid.nullable(),
    }),
  }),
  z.object({
    id: Uuid,
    type: z.literal('verification'),
    created_at: Instant,
    /** Answer 2xx with this string in the body (e.g. `{"challenge": "..."}`) to verify. */
    data: z.object({ challenge: z.string(), channel_id: Uuid }),
  }),
]);
export type WebhookPayload = z.infer<typeof WebhookPayload>;
