import type { Connection } from './connection.ts';

/** The open connections of each user, on this replica. */
export class SocketRegistry {
  readonly #byUser = new Map<string, Set<Connection>>();
  #size = 0;

  add(connection: Connection): void {
    const connections = this.#byUser.get(connection.userId) ?? new Set();
    if (connections.has(connection)) return;
    connections.add(connection);
    this.#byUser.set(connection.userId, connections);
    this.#size++;
  }

  remove(connection: Connection): void {
    const connections = this.#byUser.get(connection.userId);
    if (!connections?.delete(connection)) return;
    this.#size--;
    if (connections.size === 0) this.#byUser.delete(connection.userId);
  }

  /** Sends the frame to every connection of this user, and only this user's; returns how many. */
  deliver(userId: string, frame: string): number {
    const connections = this.#byUser.get(userId);
    if (!connections) return 0;
    let sent = 0;
    for (const connection of connections) if (connection.send(frame)) sent++;
    return sent;
  }

  countOf(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  get size(): number {
    return this.#size;
  }

  *all(): IterableIterator<Connection> {
    for (const connections of this.#byUser.values()) yield* connections;
  }
}
