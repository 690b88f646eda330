import { z } from 'zod';

/**
 * Who is signed in on this page. The token is only ever sent to this origin and to the API and
 * WebSocket origins that this origin's /config.json names.
 */
export interface Session {
  userId: string;
  token: string;
  /** ms since the epoch. */
  expiresAt: number;
}

const KEY = 'taskflow.session';
const Stored = z.object({ userId: z.string(), token: z.string(), expiresAt: z.number() });
const Claims = z.object({ sub: z.string().min(1), exp: z.number() });
// `''`: the page's own origin (a gateway or ingress routes /api and /ws there).
const PageConfig = z.object({
  dev_sign_in: z.boolean(),
  api_url: z.string().default(''),
  ws_url: z.string().default(''),
});
export type PageConfig = z.infer<typeof PageConfig>;
const DevToken = z.object({ user_id: z.string(), token: z.string() });

/** The session kept in this browser, unless it has expired (or is about to). */
export function storedSession(): Session | undefined {
  try {
    const parsed = Stored.safeParse(JSON.parse(localStorage.getItem(KEY) ?? 'null'));
    if (parsed.success && parsed.data.expiresAt > Date.now() + 60_000) return parsed.data;
  } catch {
    // unreadable: treated as signed out
  }
  localStorage.removeItem(KEY);
  return undefined;
}

export function saveSession(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}

/**
 * Reads who a pasted token is for. Not a verification (the servers verify every request);
 * only so the page knows which user's paths to call.
 */
export function sessionFromToken(token: string): Session {
  const payload = token.split('.')[1] ?? '';
  let claims: z.infer<typeof Claims>;
  try {
    const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'));
    claims = Claims.parse(JSON.parse(json));
  } catch {
    throw new Error('That is not a token taskflow can use (a JWT with sub and exp).');
  }
  return { userId: claims.sub, token, expiresAt: claims.exp * 1000 };
}

/** Whether this deployment offers dev sign-in (only with ENVIRONMENT=local), where its API is. */
export async function pageConfig(): Promise<PageConfig> {
  const response = await fetch('/config.json');
  return PageConfig.parse(response.ok ? await response.json() : { dev_sign_in: false });
}

export async function devSignIn(userId: string): Promise<Session> {
  const response = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
  if (!response.ok) throw new Error('Use letters, digits and . _ ~ @ | : + - only.');
  const { token } = DevToken.parse(await response.json());
  return sessionFromToken(token);
}
