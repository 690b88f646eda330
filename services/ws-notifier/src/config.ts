import { z } from 'zod';
import { env, exactlyOneAuthSource, loadConfig } from '@taskflow/service-kit';

const count = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

const schema = z
  .object({
    PORT: env.port(8030),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: env.logLevel,
    ...env.messaging,
    /** Browser pages on these origins may open sockets (and read the HTTP routes). */
    CORS_ALLOWED_ORIGINS: env.corsAllowedOrigins,
    /** Ping every socket this often; one silent for a whole interval is dropped. */
    WS_HEARTBEAT_INTERVAL_MS: count(30_000, 100),
    /** Bytes queued for one socket before it counts as too slow and is closed (4008). */
    WS_MAX_BUFFERED_BYTES: count(1 << 20, 1024),
    /** Sockets on this replica; further upgrades are answered 503. */
    WS_MAX_CONNECTIONS: count(50_000),
    /** Sockets of one user on this replica; further upgrades are answered 429. */
    WS_MAX_CONNECTIONS_PER_USER: count(32),
    /** Resume buffer: the newest messages kept per user ... */
    WS_RESUME_PER_USER: count(200),
    /** ... for at most this long ... */
    WS_RESUME_MAX_AGE_MS: count(10 * 60_000, 1000),
    /** ... and within this many bytes for all users together. */
    WS_RESUME_MAX_BYTES: count(64 << 20, 1024),
    /** A task's event waits at most this long for its missing predecessor, then goes anyway. */
    WS_ORDER_HOLD_MS: count(200, 0),
    /** Tasks whose last sent version is remembered (the least recently active forgotten first). */
    WS_ORDER_MAX_TASKS: count(100_000),
    /** Events waiting for a predecessor, all tasks together (then the oldest wait ends). */
    WS_ORDER_MAX_HELD: count(10_000),
    TRUST_PROXY: env.trustProxy,
    /** Upgrades (not messages) per window: per token subject and per client address. */
    ...env.rateLimit({ user: 120, address: 3000, windowSeconds: 60 }),
    ...env.auth,
  })
  .refine(...exactlyOneAuthSource);

export type Config = z.infer<typeof schema>;

export const loadWsNotifierConfig = (source: NodeJS.ProcessEnv = process.env): Config =>
  loadConfig('ws-notifier', schema, source);
