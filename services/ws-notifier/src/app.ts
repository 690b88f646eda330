import websocket from '@fastify/websocket';
import { registerSidecarRoutes, type DaprClient } from '@taskflow/dapr';
import {
  BEARER_PROTOCOL,
  createApp,
  registerHealth,
  type App,
  type Logger,
  type VerifyToken,
} from '@taskflow/service-kit';
import { eventSubscriptions } from './handlers/events.ts';
import { socketRoutes } from './routes/sockets.ts';
import { SocketRegistry } from './sockets.ts';

export interface WsNotifierDeps {
  dapr: DaprClient;
  verifyToken: VerifyToken;
  logger: Logger;
  appApiToken?: string | undefined;
}

export async function buildWsNotifier({ dapr, verifyToken, logger, appApiToken }: WsNotifierDeps) {
  const app: App = createApp({ logger });
  const sockets = new SocketRegistry();
  await app.register(websocket, {
    options: {
      maxPayload: 4 * 1024,
      // A browser that sent its token as subprotocols `bearer, <token>` must get one back.
      handleProtocols: (protocols) => (protocols.has(BEARER_PROTOCOL) ? BEARER_PROTOCOL : false),
    },
  });
  registerHealth(app, [
    { name: 'sidecar', check: () => dapr.waitForSidecar({ timeoutMs: 500 }).then(() => true) },
  ]);
  await registerSidecarRoutes(app, {
    dapr,
    appApiToken,
    subscriptions: eventSubscriptions(sockets),
  });
  await app.register(async (scope) => socketRoutes(scope as App, { verifyToken, sockets }));
  return { app, sockets };
}
