import type { WsMessage } from '@taskflow/contracts';

/** What the registry needs of a socket: the `ws` WebSocket fits. */
export interface UserSocket {
  readonly readyState: number;
  send(data: string): void;
}

const OPEN = 1;

/** The open sockets of each user, on this replica. */
export class SocketRegistry {
  readonly #byUser = new Map<string, Set<UserSocket>>();

  add(userId: string, socket: UserSocket): void {
    const sockets = this.#byUser.get(userId) ?? new Set();
    sockets.add(socket);
    this.#byUser.set(userId, sockets);
  }

  remove(userId: string, socket: UserSocket): void {
    const sockets = this.#byUser.get(userId);
    if (!sockets) return;
    sockets.delete(socket);
    if (sockets.size === 0) this.#byUser.delete(userId);
  }

  /** Sends the message to every open socket of this user, and only this user's; returns how many. */
  deliver(userId: string, message: WsMessage): number {
    const sockets = this.#byUser.get(userId);
    if (!sockets) return 0;
    const frame = JSON.stringify(message);
    let sent = 0;
    for (const socket of sockets) {
      if (socket.readyState !== OPEN) continue;
      socket.send(frame);
      sent++;
    }
    return sent;
  }

  get connections(): number {
    let count = 0;
    for (const sockets of this.#byUser.values()) count += sockets.size;
    return count;
  }
}
