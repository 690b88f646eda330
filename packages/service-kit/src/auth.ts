import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

export interface AuthConfig {
  AUTH_JWT_SECRET?: string | undefined;
  AUTH_JWKS_URL?: string | undefined;
  AUTH_ISSUER?: string | undefined;
  AUTH_AUDIENCE?: string | undefined;
}

/** Who made the request, as the identity provider vouches. */
export interface Principal {
  userId: string;
}

export type VerifyToken = (token: string) => Promise<Principal>;

/** A verifier for bearer JWTs: HS256 with a shared secret, or any JWKS-published key. */
export function createTokenVerifier(config: AuthConfig): VerifyToken {
  const key: Uint8Array | JWTVerifyGetKey = config.AUTH_JWKS_URL
    ? createRemoteJWKSet(new URL(config.AUTH_JWKS_URL))
    : new TextEncoder().encode(config.AUTH_JWT_SECRET);
  const options = {
    algorithms: config.AUTH_JWKS_URL ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'],
    requiredClaims: ['sub', 'exp'],
    clockTolerance: 30,
    ...(config.AUTH_ISSUER ? { issuer: config.AUTH_ISSUER } : {}),
    ...(config.AUTH_AUDIENCE ? { audience: config.AUTH_AUDIENCE } : {}),
  };
  // A client sends the same token with every request: remember the verdict until it expires,
  // instead of paying for a signature check (a thread-pool round trip in WebCrypto) each time.
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();
  return async (token) => {
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.principal;
    try {
      const { payload } = await jwtVerify(token, key as Uint8Array, options);
      const principal = { userId: payload.sub! };
      if (verified.size >= VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value!);
      verified.set(token, { principal, expiresAt: payload.exp! * 1000 });
      return principal;
    } catch {
      verified.delete(token);
      throw new AppError('unauthorized', 'the bearer token is invalid or expired');
    }
  };
}

const VERIFIED_TOKENS_MAX = 10_000;

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) throw new AppError('unauthorized', 'send Authorization: Bearer <token>');
  return match[1]!;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * An onRequest hook for routes under `/.../:user_id/...`: the caller must present a valid token
 * (401) whose subject is the path's user (403). Runs before the body is read.
 */
export function requireUserPath(
  verify: VerifyToken,
  tokenOf: (request: FastifyRequest) => string = (request) =>
    bearerToken(request.headers.authorization),
) {
  return async (request: FastifyRequest) => {
    const principal = await verify(tokenOf(request));
    const { user_id: pathUser } = request.params as { user_id?: string };
    if (pathUser !== principal.userId) {
      throw new AppError('forbidden', 'the token does not belong to this user');
    }
    request.principal = principal;
  };
}

/**
 * The token of a WebSocket upgrade. Browsers cannot set headers on one, so besides
 * `Authorization` it may come as the subprotocols `bearer, <token>` or as `?access_token=`
 * (redacted from every log line by the logger).
 */
export function upgradeToken(request: FastifyRequest): string {
  if (request.headers.authorization) return bearerToken(request.headers.authorization);
  const protocols = (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const at = protocols.indexOf(BEARER_PROTOCOL);
  if (at >= 0 && protocols[at + 1]) return protocols[at + 1]!;
  const { access_token: fromQuery } = (request.query ?? {}) as { access_token?: unknown };
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  throw new AppError(
    'unauthorized',
    'send the token as Authorization: Bearer, as subprotocols "bearer, <token>", or as ?access_token=',
  );
}

/** The subprotocol a server selects when the token came as `bearer, <token>`. */
export const BEARER_PROTOCOL = 'bearer';
