import websocket from '@fastify/websocket';
import { WS_CLOSE } from '@taskflow/contracts';
import { readinessCheck, type Messaging } from '@taskflow/messaging';
import {
  AppError,
  BEARER_PROTOCOL,
  createApp,
  createMetricsRegistry,
  registerHealth,
  registerMetrics,
  type App,
  type Logger,
  type RateLimiter,
  type Registry,
  type VerifyToken,
} from '@taskflow/service-kit';
import type { Config } from './config.ts';
import { createFanout, eventSubscriptions } from './handlers/events.ts';
import { createWsMetrics } from './metrics.ts';
import { ResumeBuffer } from './resume/buffer.ts';
import { docsRoutes } from './routes/docs.ts';
import { SOCKET_ROUTE, socketRoutes } from './routes/sockets.ts';
import { startHeartbeat } from './sockets/heartbeat.ts';
import { SocketRegistry } from './sockets/registry.ts';

export type WsSettings = Pick<
  Config,
  | 'WS_HEARTBEAT_INTERVAL_MS'
  | 'WS_MAX_BUFFERED_BYTES'
  | 'WS_MAX_CONNECTIONS'
  | 'WS_MAX_CONNECTIONS_PER_USER'
  | 'WS_RESUME_PER_USER'
  | 'WS_RESUME_MAX_AGE_MS'
  | 'WS_RESUME_MAX_BYTES'
  | 'WS_ORDER_HOLD_MS'
  | 'WS_ORDER_MAX_TASKS'
  | 'WS_ORDER_MAX_HELD'
  | 'CORS_ALLOWED_ORIGINS'
  | 'TRUST_PROXY'
>;

export interface WsNotifierDeps {
  messaging: Messaging;
  verifyToken: VerifyToken;
  logger: Logger;
  settings: WsSettings;
  registry?: Registry;
  /** Limits upgrades per client address and per token subject; none: no limits. */
  rateLimiter?: RateLimiter;
}

/** The ws-notifier app, without listening: main.ts listens, tests do too on a free port. */
export async function buildWsNotifier(deps: WsNotifierDeps) {
  const { messaging, settings, logger } = deps;
  const app: App = createApp({
    logger,
    cors: { allowedOrigins: settings.CORS_ALLOWED_ORIGINS, methods: ['GET', 'HEAD'] },
    trustProxy: settings.TRUST_PROXY,
  });
  const registry = deps.registry ?? createMetricsRegistry('ws-notifier');
  const sockets = new SocketRegistry();
  const buffer = new ResumeBuffer({
    perUser: settings.WS_RESUME_PER_USER,
    maxAgeMs: settings.WS_RESUME_MAX_AGE_MS,
    maxBytes: settings.WS_RESUME_MAX_BYTES,
  });
  const metrics = createWsMetrics(registry, { sockets, buffer });
  const startedAt = new Date();
  const fanout = createFanout(
    {
      sockets,
      buffer,
      metrics,
      logger,
      order: {
        holdMs: settings.WS_ORDER_HOLD_MS,
        maxTasks: settings.WS_ORDER_MAX_TASKS,
        maxHeld: settings.WS_ORDER_MAX_HELD,
      },
    },
    startedAt,
  );
  app.addHook('onClose', async () => fanout.stop());

  await app.register(websocket, {
    options: {
      maxPayload: 4 * 1024,
      // A browser that sent its token as subprotocols `bearer, <token>` must get one back.
      handleProtocols: (protocols) => (protocols.has(BEARER_PROTOCOL) ? BEARER_PROTOCOL : false),
    },
    // An unclean disconnect is routine for a socket server; the default logs the request too.
    errorHandler: (error, socket) => {
      logger.debug({ err: error.message }, 'socket error');
      socket.terminate();
    },
    // On shutdown, tell every client to come back (to another replica, or this one restarted).
    preClose: (done) => {
      for (const connection of sockets.all()) connection.socket.close(WS_CLOSE.goingAway);
      done();
    },
  });

  // An upgrade to any other route would reach @fastify/websocket's fallback, which logs the
  // raw URL, `?access_token=` included. Refuse it before that.
  app.addHook('onRequest', async (request) => {
    if (request.ws && request.routeOptions.url !== SOCKET_ROUTE) {
      throw new AppError('not_found', 'WebSockets are served at /ws/user/{user_id}/tasks');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.ws && reply.statusCode >= 400) {
      metrics.refusals.inc({ status: String(reply.statusCode) });
    }
  });

  registerHealth(app, [readinessCheck(messaging)]);
  registerMetrics(app, registry);
  docsRoutes(app);
  await messaging.serve(app, {
    service: 'ws-notifier',
    subscriptions: eventSubscriptions(fanout, startedAt),
    ticks: [],
  });
  await app.register(async (scope) =>
    socketRoutes(scope as App, {
      verifyToken: deps.verifyToken,
      sockets,
      buffer,
      metrics,
      allowedOrigins: settings.CORS_ALLOWED_ORIGINS,
      ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
      limits: {
        heartbeatIntervalMs: settings.WS_HEARTBEAT_INTERVAL_MS,
        maxBufferedBytes: settings.WS_MAX_BUFFERED_BYTES,
        maxConnections: settings.WS_MAX_CONNECTIONS,
        maxConnectionsPerUser: settings.WS_MAX_CONNECTIONS_PER_USER,
      },
    }),
  );

  const heartbeat = startHeartbeat(sockets, {
    intervalMs: settings.WS_HEARTBEAT_INTERVAL_MS,
    onRound: (now) => buffer.expire(now),
  });
  app.addHook('onClose', async () => heartbeat.stop());
  return { app, sockets, buffer, registry };
}
