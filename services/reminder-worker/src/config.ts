import { z } from 'zod';
import { env, loadConfig } from '@taskflow/service-kit';
import { leaseFor, type NotifierSettings } from './notify/settings.ts';

const whole = (min: number, max: number, fallback: number) =>
  z.coerce
    .number()
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`)
    .default(fallback);

const schema = z
  .object({
    PORT: env.port(8020),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: env.logLevel,
    DATABASE_URL: env.postgresUrl,
    DATABASE_POOL_SIZE: whole(2, 100, 5),
    ...env.messaging,
    /** A reminder whose time passed longer ago than this (the worker was down) is missed. */
    REMINDER_GRACE_SECONDS: whole(1, 30 * 86_400, 86_400),
    /** A reminder fired more than this after its time is marked late. */
    REMINDER_LATE_SECONDS: whole(0, 86_400, 5),
    /** Reminders claimed per transaction. */
    REMINDER_BATCH_SIZE: whole(1, 5_000, 500),
    /** How long one tick may keep claiming batches before it leaves the rest to the next. */
    REMINDER_TICK_BUDGET_MS: whole(100, 60_000, 5_000),
    /**
     * After its due work, a tick fires what falls due within this many ms on the dot. Keep it a
     * little under the cron period (dapr/components/common/binding-reminder-tick.yaml).
     */
    REMINDER_LOOKAHEAD_MS: whole(0, 60_000, 900),

    // The notifier: reminders and verifications to email and webhook channels
    // (docs/notifications.md).
    /** `local` lets webhooks go to http:// URLs too (never to a private address). */
    ENVIRONMENT: z.string().default('production'),
    /** Where the page and the links of emails are (`/api/links/...`), without a trailing slash. */
    PUBLIC_URL: z
      .url({
        protocol: /^https?$/,
        error: 'must be an http(s) URL such as https://taskflow.example',
      })
      .default('http://127.0.0.1:8080')
      .transform((url) => url.replace(/\/+$/, '')),
    /** Deliveries claimed per transaction. */
    DELIVERY_BATCH_SIZE: whole(1, 1_000, 100),
    /** Deliveries of one batch sent at once. */
    DELIVERY_CONCURRENCY: whole(1, 200, 20),
    /** Attempts before a delivery is `failed` (the first one included). */
    DELIVERY_MAX_ATTEMPTS: whole(1, 20, 6),
    /** The first retry's wait; later ones are 3x, 12x, 60x and 360x it (10 s ... 1 h). */
    DELIVERY_RETRY_BASE_MS: whole(1, 3_600_000, 10_000),
    /** How long one delivery tick may keep claiming batches. */
    DELIVERY_TICK_BUDGET_MS: whole(100, 120_000, 5_000),
    /** One webhook request, all of it (resolve, connect, TLS, answer). */
    WEBHOOK_TIMEOUT_MS: whole(100, 60_000, 10_000),
    /** One email handed to the SMTP server (or to the Dapr binding). */
    EMAIL_TIMEOUT_MS: whole(100, 120_000, 15_000),
    /**
     * smtp: nodemailer to SMTP_URL (text and HTML, every header). dapr: the sidecar's
     * bindings.smtp output binding EMAIL_BINDING (HTML only; it drops Message-ID and
     * List-Unsubscribe).
     */
    EMAIL_TRANSPORT: z.enum(['smtp', 'dapr'], { error: 'must be smtp or dapr' }).default('smtp'),
    /** smtp://user:password@host:587 (STARTTLS when offered) or smtps://...:465. A secret. */
    SMTP_URL: z
      .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' })
      .optional(),
    /** The bindings.smtp component (dapr/components/common/binding-email.yaml). */
    EMAIL_BINDING: z.string().min(1).default('taskflow-email'),
    EMAIL_FROM: z.string().min(3).default('taskflow <reminders@taskflow.localhost>'),
    /** The right-hand side of every Message-ID, `<delivery id@domain>`. */
    EMAIL_MESSAGE_ID_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/, 'must be a domain such as taskflow.example')
      .default('taskflow'),
  })
  .refine((config) => config.REMINDER_LATE_SECONDS < config.REMINDER_GRACE_SECONDS, {
    path: ['REMINDER_LATE_SECONDS'],
    message: 'must be less than REMINDER_GRACE_SECONDS',
  })
  .refine((config) => config.EMAIL_TRANSPORT !== 'dapr' || config.USE_DAPR, {
    path: ['EMAIL_TRANSPORT'],
    message: 'dapr needs the sidecar (USE_DAPR=true); without it use smtp and SMTP_URL',
  });

export type Config = z.infer<typeof schema>;

export const loadReminderWorkerConfig = (source: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig('reminder-worker', schema, source);

/** The worker's settings as its app takes them (buildReminderWorker), from its config. */
export const workerSettings = (config: Config) => ({
  policy: {
    graceSeconds: config.REMINDER_GRACE_SECONDS,
    lateSeconds: config.REMINDER_LATE_SECONDS,
    limit: config.REMINDER_BATCH_SIZE,
  },
  tickBudgetMs: config.REMINDER_TICK_BUDGET_MS,
  tickLookaheadMs: config.REMINDER_LOOKAHEAD_MS,
  notifier: notifierSettings(config),
});

/** What the notifier's sender takes from the config (its transports are built apart). */
export function notifierSettings(config: Config): NotifierSettings {
  const sender = {
    batchSize: config.DELIVERY_BATCH_SIZE,
    concurrency: config.DELIVERY_CONCURRENCY,
    maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
    retryBaseMs: config.DELIVERY_RETRY_BASE_MS,
    budgetMs: config.DELIVERY_TICK_BUDGET_MS,
  };
  return {
    sender: {
      ...sender,
      leaseMs: leaseFor(sender, Math.max(config.WEBHOOK_TIMEOUT_MS, config.EMAIL_TIMEOUT_MS)),
    },
    webhook: { timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowHttp: config.ENVIRONMENT === 'local' },
    email: {
      from: config.EMAIL_FROM,
      publicUrl: config.PUBLIC_URL,
      messageIdDomain: config.EMAIL_MESSAGE_ID_DOMAIN,
    },
  };
}

export { emailTransportFrom } from './notify/transport-from-config.ts';
