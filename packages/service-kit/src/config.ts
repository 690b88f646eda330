import { TopicNamespace } from '@taskflow/contracts';
import { z } from 'zod';
import { corsAllowedOrigins } from './cors.ts';

/** Thrown when the environment does not satisfy a service's schema; lists every problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment once, at startup. Every bad or missing variable is named in one
 * message, so an operator fixes them all in one go.
 */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? issue.path.join('.') : 'environment';
    const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    const reason =
      value === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
    return `  ${name}: ${reason}`;
  });
  throw new ConfigError(`${service}: invalid environment\n${problems.join('\n')}`);
}

/** A whole number from min to max; `what` ends the message ("of seconds"). */
function wholeNumber(min: number, max: number, what = '') {
  const error = (
    max === Number.MAX_SAFE_INTEGER
      ? `must be a whole number >= ${min} ${what}`
      : `must be a whole number ${what} from ${min} to ${max}`
  )
    .replace(/\s+/g, ' ')
    .trim();
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const quota = () => wholeNumber(0, Number.MAX_SAFE_INTEGER, '(0 turns the limit off)');

/** Environment fragments that several services share. */
export const env = {
  port: (fallback: number) => wholeNumber(1, 65535).default(fallback),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  postgresUrl: z
    .string({ error: 'is required' })
    .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL'),

  /**
   * How a service reaches the others. USE_DAPR=true (the default): through its sidecar
   * (DAPR_HTTP_PORT, DAPR_API_TOKEN; APP_API_TOKEN is what daprd sends it). USE_DAPR=false:
   * without one, over Kafka when KAFKA_BOOTSTRAP_SERVERS is set (the seed's KAFKA_* variables,
   * read by @taskflow/kafka), else on the in-process bus of a single process.
   */
  messaging: {
    USE_DAPR: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('true')
      .transform((value) => value === 'true'),
    DAPR_HTTP_PORT: wholeNumber(1, 65535).default(3500),
    DAPR_API_TOKEN: z.string().min(1).optional(),
    APP_API_TOKEN: z.string().min(1).optional(),
    /** The pub/sub component the outbox relay publishes through (Dapr only). */
    PUBSUB_NAME: z.string().min(1).default('taskflow-pubsub'),
    /**
     * The namespace of the topics (`topicName` of @taskflow/contracts): empty, the default, is
     * the seed's names; the dev fleet sets `dev`, each test fleet its own.
     */
    TOPIC_NAMESPACE: TopicNamespace.default(''),
  },
  /** CORS_ALLOWED_ORIGINS: the pages on other origins allowed to call (cors.ts says how). */
  corsAllowedOrigins,
  /**
   * Rate limits (rate-limit/): requests per window per token subject and per client address;
   * 0 turns a limit off. RATE_LIMIT_STATE_STORE names the Dapr state store through which the
   * replicas share their counts, `none` for per-process counting.
   */
  rateLimit: (defaults: { user: number; address: number; windowSeconds: number }) => ({
    RATE_LIMIT_USER: quota().default(defaults.user),
    RATE_LIMIT_ADDRESS: quota().default(defaults.address),
    RATE_LIMIT_WINDOW_SECONDS: wholeNumber(1, 3600, 'of seconds').default(defaults.windowSeconds),
    RATE_LIMIT_SYNC_MS: wholeNumber(50, 10_000, 'of milliseconds').default(250),
    RATE_LIMIT_STATE_STORE: z.string().min(1).default('taskflow-state'),
  }),
  /**
   * The proxies whose X-Forwarded-For names the client (`request.ip`, which the per-address rate
   * limit counts): a comma-separated list of addresses, CIDRs and the names `loopback`,
   * `linklocal`, `uniquelocal` (private networks). Empty: none, the peer is the client. (No hop
   * count: Fastify refuses to trust one, as it cannot tell a proxy from a client.)
   */
  trustProxy: z
    .string()
    .regex(
      /^([\w.:/]+(\s*,\s*[\w.:/]+)*)?$/,
      'must be a comma-separated list of addresses, CIDRs, loopback, linklocal or uniquelocal',
    )
    .default('')
    .transform((value) => value || undefined),
  /** HS256 secret or JWKS URL: exactly one identity source. */
  auth: {
    AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    AUTH_JWKS_URL: z.url().optional(),
    AUTH_ISSUER: z.string().optional(),
    AUTH_AUDIENCE: z.string().optional(),
  },
};

/**
 * For schemas that spread `env.auth`: exactly one identity source. It runs even when other
 * variables are wrong, so the one startup message lists this problem too.
 */
export const exactlyOneAuthSource: [
  (config: { AUTH_JWT_SECRET?: unknown; AUTH_JWKS_URL?: unknown }) => boolean,
  { path: string[]; message: string; when: () => boolean },
] = [
  (config) => !config.AUTH_JWT_SECRET !== !config.AUTH_JWKS_URL,
  {
    path: ['AUTH_JWT_SECRET'],
    message: 'set exactly one of AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL',
    when: () => true,
  },
];
