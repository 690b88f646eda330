import { z } from 'zod';

const Claims = z.object({ exp: z.number() });

/**
 * When a token that was ALREADY VERIFIED expires, in ms. The verifier vouches for the claims and
 * requires `exp`; this only reads it, so the heartbeat can close the socket when it passes (a
 * socket must not outlive its credentials). Unreadable: treated as expiring now.
 */
export function tokenExpiry(verifiedToken: string): number {
  try {
    const payload = verifiedToken.split('.')[1] ?? '';
    const claims = Claims.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString()));
    return claims.success ? claims.data.exp * 1000 : 0;
  } catch {
    return 0;
  }
}
