import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from './errors.ts';

/**
 * The origins a browser page may call this service from: exact origins as browsers send them
 * (`https://app.example.com`, `http://127.0.0.1:5173`), or `['*']` for any. Empty: none.
 */
export type AllowedOrigins = readonly string[];

const ANY = '*';

/**
 * `CORS_ALLOWED_ORIGINS`: comma-separated exact origins, or `*` alone; unset or empty, no
 * cross-origin page is allowed. An entry must be written exactly as a browser sends `Origin`
 * (scheme, host, port only when not the default; no path, no trailing slash), because the
 * comparison is exact: a list entry a browser can never send would silently allow nothing.
 */
export const corsAllowedOrigins = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  )
  .superRefine((entries, context) => {
    if (entries.includes(ANY) && entries.length > 1) {
      context.addIssue({ code: 'custom', message: '`*` (any origin) stands alone' });
    }
    for (const entry of entries) {
      const problem = entry === ANY ? undefined : originProblem(entry);
      if (problem) context.addIssue({ code: 'custom', message: `"${entry}" ${problem}` });
    }
  });

function originProblem(entry: string): string | undefined {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return 'is not an origin (scheme://host[:port])';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be http or https';
  if (url.origin !== entry) return `is not an origin as browsers send it: write ${url.origin}`;
  return undefined;
}

export function originAllowed(allowed: AllowedOrigins, origin: string): boolean {
  return allowed.includes(ANY) || allowed.includes(origin);
}

/**
 * Whether `Origin` names the host this request was sent to: a page served by this service, or
 * by the ingress or gateway in front of it (which pass the browser's host as X-Forwarded-Host).
 * A page's script cannot set either header on a WebSocket, so a browser cannot forge this.
 */
export function sameOrigin(request: FastifyRequest, origin: string): boolean {
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // `null` (a sandboxed or file: page) is nobody's own origin
  }
  const forwarded = request.headers['x-forwarded-host'];
  const hosts = [request.headers.host, ...(typeof forwarded === 'string' ? [forwarded] : [])];
  return hosts.some((given) => given?.toLowerCase() === host);
}

export interface CorsPolicy {
  allowedOrigins: AllowedOrigins;
  /** The methods a cross-origin page may use (the preflight's Access-Control-Allow-Methods). */
  methods: readonly string[];
}

/** Request headers beyond the CORS-safelisted ones that a page sends to taskflow's services. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'If-Match',
  'X-Request-Id',
  'X-Correlation-Id',
];
/** Response headers a page's script may read (beyond the safelisted ones). */
export const CORS_EXPOSED_HEADERS = [
  'ETag',
  'Location',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'X-Request-Id',
  'X-Correlation-Id',
];
/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 h). */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * CORS with @fastify/cors: an allowed `Origin` is echoed in Access-Control-Allow-Origin (or `*`
 * when any is allowed) on every response, errors included, so the page can read them, and its
 * preflight is answered 204. A preflight from any other origin is refused 403 with the error
 * body; its other requests are answered without CORS headers, which the browser then hides from
 * the page. Never Access-Control-Allow-Credentials: the token travels in Authorization, set by the
 * page's script, and no cookie or HTTP authentication is used, so nothing ambient needs it.
 */
export function registerCors(app: FastifyInstance, policy: CorsPolicy): void {
  const allowed: FastifyCorsOptions = {
    methods: [...policy.methods],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
    credentials: false,
  };
  const anyOrigin = policy.allowedOrigins.includes(ANY);
  void app.register(fastifyCors, {
    hideOptionsRoute: true,
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      if (origin !== undefined && originAllowed(policy.allowedOrigins, origin)) {
        // An OPTIONS without Access-Control-Request-Method is no preflight: the path's 405.
        const preflight = isPreflight(request);
        return callback(null, { ...allowed, origin: anyOrigin ? ANY : origin, preflight });
      }
      if (origin !== undefined && isPreflight(request)) {
        return callback(
          new AppError(
            'forbidden',
            `cross-origin requests from ${origin} are not allowed (CORS_ALLOWED_ORIGINS)`,
          ),
        );
      }
      return callback(null, { origin: false });
    },
  });
}

function isPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined
  );
}
