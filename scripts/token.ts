// `pnpm run token <user_id> [expires_in]` (`pnpm token` is a pnpm built-in): prints a dev JWT for that user, signed with
// AUTH_JWT_SECRET (the development secret when unset). For local use only.
import { signDevToken } from '@taskflow/service-kit';
import { DEV_JWT_SECRET } from './dev-secret.ts';

const [userId, expiresIn = '24h'] = process.argv.slice(2);
if (!userId) {
  console.error('usage: pnpm run token <user_id> [expires_in, e.g. 1h]');
  process.exit(2);
}
console.log(
  await signDevToken(userId, process.env.AUTH_JWT_SECRET ?? DEV_JWT_SECRET, { expiresIn }),
);
