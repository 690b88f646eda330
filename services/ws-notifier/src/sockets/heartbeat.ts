import { WS_CLOSE } from '@taskflow/contracts';
import type { SocketRegistry } from './registry.ts';

/**
 * Every `intervalMs`: a connection that has shown no sign of life since the last round is
 * terminated (a dead peer: a pulled cable or a frozen laptop never closes its TCP connection),
 * one whose token has expired is closed with 4001, and every other one is pinged. Browsers
 * answer protocol pings on their own. A dead peer is found within two intervals.
 */
export function startHeartbeat(
  sockets: SocketRegistry,
  { intervalMs, onRound }: { intervalMs: number; onRound?: (now: number) => void },
): { stop(): void } {
  const timer = setInterval(() => {
    const now = Date.now();
    for (const connection of sockets.all()) {
      if (connection.expiresAt <= now) {
        connection.drop('token_expired', WS_CLOSE.tokenExpired, 'token expired');
      } else if (!connection.alive) {
        connection.terminate();
      } else {
        connection.alive = false;
        connection.socket.ping();
      }
    }
    onRound?.(now);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
