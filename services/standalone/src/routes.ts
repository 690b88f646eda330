import type { FastifyInstance } from 'fastify';

/** Which app of the process answers a path: the first whose prefix it starts with. */
export interface Mount {
  prefixes: readonly string[];
  app: FastifyInstance;
}

/**
 * The app for a request URL: the mounts are tried in order, the last one (the page) takes the
 * rest. A prefix matches itself, and itself followed by `/` or `?`: `/api` is not `/apiary`.
 */
export function appFor(url: string, mounts: readonly Mount[], fallback: FastifyInstance) {
  for (const mount of mounts) {
    for (const prefix of mount.prefixes) {
      if (!url.startsWith(prefix)) continue;
      const next = url.charAt(prefix.length);
      if (next === '' || next === '/' || next === '?' || prefix.endsWith('/')) return mount.app;
    }
  }
  return fallback;
}
