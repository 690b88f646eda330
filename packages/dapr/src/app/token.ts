import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/**
 * Whether `given` equals `expected`, in time that does not depend on where they differ (both
 * are hashed first, so their lengths leak nothing either).
 */
export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * An onRequest hook that admits only daprd: it sends APP_API_TOKEN as `dapr-api-token`.
 * Rejections are 401 errors for the app's error handler to render.
 */
export function requireAppToken(expected: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const given = request.headers['dapr-api-token'];
    if (!tokensEqual(typeof given === 'string' ? given : undefined, expected)) {
      throw Object.assign(
        new Error('this route is for the Dapr sidecar: dapr-api-token missing or wrong'),
        {
          statusCode: 401,
        },
      );
    }
  };
}
