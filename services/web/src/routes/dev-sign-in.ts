import { UserId } from '@taskflow/contracts';
import { signDevToken, type App } from '@taskflow/service-kit';
import { z } from 'zod';

export const DevTokenBody = z.strictObject({ user_id: UserId });
const DEV_TOKEN_HOURS = 12;

/**
 * `POST /dev/token` issues a token for any user, so it exists only when the caller of buildWeb
 * says so (ENVIRONMENT=local).
 */
export function signInRoutes(app: App, devSecret: string | undefined): void {
  if (devSecret === undefined) return;
  app.post('/dev/token', { schema: { body: DevTokenBody, hide: true } }, async (request) => ({
    user_id: request.body.user_id,
    token: await signDevToken(request.body.user_id, devSecret, {
      expiresIn: `${DEV_TOKEN_HOURS}h`,
    }),
    expires_in: DEV_TOKEN_HOURS * 3600,
  }));
}
