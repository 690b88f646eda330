import { z } from 'zod';
import { env, loadConfig } from '@taskflow/service-kit';

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
  })
  .refine((config) => config.REMINDER_LATE_SECONDS < config.REMINDER_GRACE_SECONDS, {
    path: ['REMINDER_LATE_SECONDS'],
    message: 'must be less than REMINDER_GRACE_SECONDS',
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
});
