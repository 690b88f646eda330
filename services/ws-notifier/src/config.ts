import { z } from 'zod';
import { env, exactlyOneAuthSource, loadConfig } from '@taskflow/service-kit';

const schema = z
  .object({
    PORT: env.port(8030),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: env.logLevel,
    DAPR_HTTP_PORT: env.port(3500),
    DAPR_API_TOKEN: z.string().min(1).optional(),
    APP_API_TOKEN: z.string().min(1).optional(),
    ...env.auth,
  })
  .refine(...exactlyOneAuthSource);

export type Config = z.infer<typeof schema>;

export const loadWsNotifierConfig = (source: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig('ws-notifier', schema, source);
