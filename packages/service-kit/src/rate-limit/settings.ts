import type { RateLimitPolicy } from './window-counter.ts';

/** What `env.rateLimit` parses. */
export interface RateLimitSettings {
  RATE_LIMIT_USER: number;
  RATE_LIMIT_ADDRESS: number;
  RATE_LIMIT_WINDOW_SECONDS: number;
  RATE_LIMIT_SYNC_MS: number;
  RATE_LIMIT_STATE_STORE: string;
}

/** The two policies every limited service has: per token subject and per client address. */
export function rateLimitPolicies(settings: RateLimitSettings): RateLimitPolicy[] {
  const windowSeconds = settings.RATE_LIMIT_WINDOW_SECONDS;
  return [
    { name: 'user', quota: settings.RATE_LIMIT_USER, windowSeconds },
    { name: 'address', quota: settings.RATE_LIMIT_ADDRESS, windowSeconds },
  ];
}

/** The state store that shares counts between replicas, or undefined for per-process counts. */
export function sharedCountStore(settings: RateLimitSettings): string | undefined {
  return settings.RATE_LIMIT_STATE_STORE === 'none' ? undefined : settings.RATE_LIMIT_STATE_STORE;
}
