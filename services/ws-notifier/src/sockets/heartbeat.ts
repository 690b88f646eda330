import { setTimeout as sleep } from 'node:timers/promises';
import { WS_CLOSE } from '@taskflow/contracts';
import type { Connection } from './connection.ts';
import type { SocketRegistry } from './registry.ts';

/**
 * A round goes through the connections in slices of this many, spread over the first half of
 * the interval. One synchronous sweep over 10,000 sockets (a system call per ping, then 10,000
 * pongs arriving at once) held every delivery back for 100-200 ms, the p99 of `pnpm bench:ws`;
 * spread out, deliveries go out between slices and the pongs trickle in.
 */
const SLICE = 250;

/**
 * Every `intervalMs`: a connection that has shown no sign of life since the last round is
 * terminated (a dead peer: a pulled cable or a frozen laptop never closes its TCP connection),
 * one whose token has expired is closed with 4001, and every other one is pinged. Browsers
 * answer protocol pings on their own. A dead peer is found within two intervals (three when
 * connections come and go, moving it within the round).
 */
export function startHeartbeat(
  sockets: SocketRegistry,
  { intervalMs, onRound }: { intervalMs: number; onRound?: (now: number) => void },
): { stop(): void } {
  let stopped = false;
  let running = false;

  async function round(): Promise<void> {
    running = true;
    const now = Date.now();
    const connections = [...sockets.all()];
    const gapMs = intervalMs / 2 / Math.ceil(connections.length / SLICE);
    for (let i = 0; i < connections.length && !stopped; i++) {
      if (i > 0 && i % SLICE === 0) await sleep(gapMs, undefined, { ref: false });
      beat(connections[i]!, Date.now());
    }
    onRound?.(now);
    running = false;
  }

  const timer = setInterval(() => {
    if (!running) void round();
  }, intervalMs);
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

function beat(connection: Connection, now: number): void {
  // It may have closed while the round was yielding.
  if (connection.socket.readyState !== connection.socket.OPEN) return;
  if (connection.expiresAt <= now) {
    connection.drop('token_expired', WS_CLOSE.tokenExpired, 'token expired');
  } else if (!connection.alive) {
    connection.terminate();
  } else {
    connection.alive = false;
    connection.socket.ping();
  }
}
