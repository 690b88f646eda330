import { z } from 'zod';
import { env, loadConfig } from '@taskflow/service-kit';

const schema = z.object({
  PORT: env.port(8010),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: env.logLevel,
  DATABASE_URL: env.postgresUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  ...env.messaging,
  /**
   * Series claimed and spawned per transaction. Bounds the time rows stay locked and what a
   * killed scheduler rolls back; each spawn writes 3 events of 10 parameters, and Postgres
   * takes at most 65,535 parameters per statement.
   */
  SPAWN_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
  /** A tick that has worked this long stops after its batch; the next tick carries on. */
  TICK_BUDGET_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
});

export type Config = z.infer<typeof schema>;

export const loadSchedulerConfig = (source: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig('scheduler', schema, source);
