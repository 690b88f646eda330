import { z } from 'zod';
import { env, loadConfig } from '@taskflow/service-kit';

const schema = z.object({
  /** The one port of everything (Render sets PORT). */
  PORT: env.port(8080),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: env.logLevel,
  /** This process runs without a sidecar; the Dapr fleet is `bash scripts/dev.sh`. */
  USE_DAPR: z
    .enum(['false'], { error: 'must be false: one process runs without Dapr (the fleet uses it)' })
    .default('false'),
  /** Unset: a private Postgres in TASKFLOW_DATA_DIR (@taskflow/local-postgres). */
  DATABASE_URL: env.postgresUrl.optional(),
});

export type Config = z.infer<typeof schema>;

export const loadStandaloneConfig = (source: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig('taskflow', schema, source);
