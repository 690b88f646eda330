import {
  UserPathParams,
  WS_CLOSE,
  WsResumeQuery,
  type WsHello,
  type WsPong,
  type WsResync,
} from '@taskflow/contracts';
import {
  addressKey,
  AppError,
  originAllowed,
  principalKey,
  rateLimitHook,
  requireUserPath,
  sameOrigin,
  type AllowedOrigins,
  upgradeToken,
  type App,
  type RateLimiter,
  type VerifyToken,
} from '@taskflow/service-kit';
import type { FastifyRequest } from 'fastify';
import type { WsMetrics } from '../metrics.ts';
import type { ResumeBuffer } from '../resume/buffer.ts';
import { MessageBudget, parseClientMessage } from '../sockets/client-messages.ts';
import { Connection } from '../sockets/connection.ts';
import type { SocketRegistry } from '../sockets/registry.ts';
import { tokenExpiry } from '../sockets/token-expiry.ts';

export const SOCKET_ROUTE = '/ws/user/:user_id/tasks';

export interface SocketLimits {
  heartbeatIntervalMs: number;
  maxBufferedBytes: number;
  maxConnections: number;
  maxConnectionsPerUser: number;
}

export interface SocketRouteDeps {
  verifyToken: VerifyToken;
  sockets: SocketRegistry;
  buffer: ResumeBuffer;
  metrics: WsMetrics;
  limits: SocketLimits;
  /** Pages on other origins that may open sockets (CORS_ALLOWED_ORIGINS). */
  allowedOrigins: AllowedOrigins;
  /** Upgrades per window, per client address and per token subject (429, with RateLimit). */
  rateLimiter?: RateLimiter;
}

/**
 * A browser always sends `Origin` with an upgrade, and WebSockets have no CORS: this check is
 * what keeps a page on a foreign origin from opening one. Clients that are no browser send no
 * Origin and are let through: they authenticate by token like everyone else.
 */
export function originCheck(allowed: AllowedOrigins) {
  return async (request: FastifyRequest) => {
    const origin = request.headers.origin;
    if (origin === undefined || originAllowed(allowed, origin) || sameOrigin(request, origin)) {
      return;
    }
    throw new AppError(
      'forbidden',
      `sockets from pages on ${origin} are not allowed (CORS_ALLOWED_ORIGINS)`,
    );
  };
}

/**
 * `GET /ws/user/:user_id/tasks`: a WebSocket of the user's live events. Everything is decided
 * before the upgrade, so a refused client gets an HTTP status and never a socket: 403 for a
 * browser page on an origin not allowed, 401 without a valid token, 403 for another user's
 * path, 400 for a malformed `last_event_id`, 429 when the address or the user made too many
 * upgrades in the rate-limit window or the user has too many sockets open here, 503 when this
 * replica is full.
 *
 * Once open: `hello`, then either the missed messages (resume) or `resync`, then live events.
 * All of that is written in one synchronous run, so no live event can slip in between.
 */
export function socketRoutes(app: App, deps: SocketRouteDeps) {
  const { sockets, buffer, metrics, limits } = deps;
  const admit = async (request: FastifyRequest) => {
    if (sockets.size >= limits.maxConnections) {
      throw new AppError('unavailable', 'this replica has no room for another socket: retry');
    }
    const { user_id: userId } = request.params as { user_id: string };
    if (sockets.countOf(userId) >= limits.maxConnectionsPerUser) {
      throw new AppError('rate_limited', 'too many sockets open for this user');
    }
  };
  app.get(
    SOCKET_ROUTE,
    {
      websocket: true,
      onRequest: [
        ...(deps.rateLimiter ? [rateLimitHook(deps.rateLimiter, 'address', addressKey)] : []),
        originCheck(deps.allowedOrigins),
        requireUserPath(deps.verifyToken, upgradeToken),
        ...(deps.rateLimiter ? [rateLimitHook(deps.rateLimiter, 'user', principalKey)] : []),
        admit,
      ],
      schema: { params: UserPathParams, querystring: WsResumeQuery, hide: true },
    },
    (socket, request) => {
      const userId = request.params.user_id;
      const connection = new Connection(userId, socket, tokenExpiry(upgradeToken(request)), {
        maxBufferedBytes: limits.maxBufferedBytes,
        // Out of the registry at once: nothing more is queued for it while it closes.
        onDrop: (reason) => {
          metrics.disconnects.inc({ reason });
          sockets.remove(connection);
        },
      });
      sockets.add(connection);
      const forget = () => sockets.remove(connection);
      socket.on('close', forget);
      socket.on('error', forget);
      socket.on('pong', () => (connection.alive = true));

      const budget = new MessageBudget();
      socket.on('message', (data, isBinary) => {
        connection.alive = true;
        const message = budget.take() ? parseClientMessage(data, isBinary) : undefined;
        if (!message) {
          connection.drop('invalid_message', WS_CLOSE.invalidMessage, 'invalid client message');
          return;
        }
        connection.send(JSON.stringify({ type: 'pong' } satisfies WsPong));
      });

      const lastEventId = request.query.last_event_id;
      const missed = lastEventId === undefined ? [] : buffer.after(userId, lastEventId);
      const hello: WsHello = {
        type: 'hello',
        heartbeat_interval_ms: limits.heartbeatIntervalMs,
        replayed: missed?.length ?? 0,
      };
      connection.send(JSON.stringify(hello));
      if (lastEventId === undefined) return;
      if (missed === undefined) {
        metrics.resumes.inc({ result: 'resync' });
        connection.send(JSON.stringify({ type: 'resync', reason: 'not_in_buffer' } as WsResync));
        return;
      }
      metrics.resumes.inc({ result: 'replayed' });
      for (const frame of missed) connection.send(frame);
      if (missed.length > 0) metrics.deliveries.inc({ kind: 'replay' }, missed.length);
    },
  );
}
