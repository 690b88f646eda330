import { z } from 'zod';
import { env, loadConfig, exactlyOneAuthSource } from '@taskflow/service-kit';

const schema = z
  .object({
    PORT: env.port(8000),
    HOST: z.string().default('0.0.0.0'),
    /** `local` lets webhook URLs be http:// too (never a private address, in any environment). */
    ENVIRONMENT: z.string().default('production'),
    LOG_LEVEL: env.logLevel,
    DATABASE_URL: env.postgresUrl,
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
    ...env.messaging,
    CORS_ALLOWED_ORIGINS: env.corsAllowedOrigins,
    TRUST_PROXY: env.trustProxy,
    ...env.rateLimit({ user: 3000, address: 12_000, windowSeconds: 60 }),
    ...env.auth,
  })
  .refine(...exactlyOneAuthSource);

export type Config = z.infer<typeof schema>;

export const loadTaskApiConfig = (source: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig('task-api', schema, source);
