import { z } from 'zod';
import { env, loadConfig } from '@taskflow/service-kit';

const urlList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()))
  .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1));

/**
 * Where the page's browser reaches a service on another origin: an origin alone (no path; the
 * page adds `/api/...` or `/ws/...`), given as the origin so the CSP can name it.
 */
const publicOrigin = (protocol: RegExp) =>
  z
    .url({ protocol })
    .refine((value) => {
      const url = new URL(value);
      return url.pathname === '/' && url.search === '' && url.hash === '';
    }, 'must be an origin (scheme://host[:port]) without a path: the page adds /api or /ws')
    .transform((value) => new URL(value).origin);

const schema = z
  .object({
    PORT: env.port(8080),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: env.logLevel,
    /** `local` turns on dev sign-in (tokens for any user). Anything else, or unset: off. */
    ENVIRONMENT: z.string().default('production'),
    /** Signs dev tokens; read only when ENVIRONMENT=local. */
    AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /**
     * The gateway, for runs without an ingress (pnpm dev, tests): `/api/*` goes to task-api and
     * `/ws/*` upgrades to ws-notifier (a comma-separated list is used round robin). Unset: the
     * page is served alone and the ingress routes those paths.
     */
    TASK_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    WS_NOTIFIER_URL: urlList.optional(),
    /**
     * The page on one origin, the API on others (a static host for the page, the services on
     * their own hosts): the page calls task-api at PUBLIC_API_URL and opens its socket at
     * PUBLIC_WS_URL, and its CSP allows connecting there. task-api and ws-notifier must list the
     * page's origin in CORS_ALLOWED_ORIGINS. Unset: this page's own origin.
     */
    PUBLIC_API_URL: publicOrigin(/^https?$/).optional(),
    PUBLIC_WS_URL: publicOrigin(/^wss?$/).optional(),
  })
  .refine((config) => config.ENVIRONMENT !== 'local' || config.AUTH_JWT_SECRET, {
    path: ['AUTH_JWT_SECRET'],
    message: 'is required when ENVIRONMENT=local (it signs the dev tokens)',
  });

export type Config = z.infer<typeof schema>;

export const loadWebConfig = (source: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig('web', schema, source);
