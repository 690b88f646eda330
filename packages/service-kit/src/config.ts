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

/** Environment fragments that several services share. */
export const env = {
  port: (fallback: number) => {
    const error = 'must be a whole number from 1 to 65535';
    return z.coerce
      .number({ error })
      .int({ error })
      .min(1, { error })
      .max(65535, { error })
      .default(fallback);
  },
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  postgresUrl: z
    .string({ error: 'is required' })
    .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL'),
  /** CORS_ALLOWED_ORIGINS: the pages on other origins allowed to call (cors.ts says how). */
  corsAllowedOrigins,
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
