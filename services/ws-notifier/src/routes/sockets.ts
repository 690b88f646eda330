import { UserPathParams } from '@taskflow/contracts';
import { requireUserPath, upgradeToken, type App, type VerifyToken } from '@taskflow/service-kit';
import type { SocketRegistry } from '../sockets.ts';

/**
 * `GET /ws/user/:user_id/tasks`: a WebSocket of the user's live events. The upgrade is refused
 * (401/403, no socket) unless a valid token for that very user comes with it.
 */
export function socketRoutes(
  app: App,
  { verifyToken, sockets }: { verifyToken: VerifyToken; sockets: SocketRegistry },
) {
  app.get(
    '/ws/user/:user_id/tasks',
    {
      websocket: true,
      onRequest: requireUserPath(verifyToken, upgradeToken),
      schema: { params: UserPathParams, hide: true },
    },
    (socket, request) => {
      const userId = request.params.user_id;
      sockets.add(userId, socket);
      socket.on('close', () => sockets.remove(userId, socket));
      socket.on('error', () => sockets.remove(userId, socket));
    },
  );
}
