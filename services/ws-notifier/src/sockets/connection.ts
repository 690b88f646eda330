import { WS_CLOSE, type WsCloseCode } from '@taskflow/contracts';
import type { WebSocket } from 'ws';

/** Why the server ended a connection (the `reason` label of taskflow_ws_disconnects_total). */
export type DropReason = 'slow_consumer' | 'dead_peer' | 'token_expired' | 'invalid_message';

const OPEN = 1;

/**
 * How long a closing socket may take to finish the close handshake before it is destroyed.
 * A slow consumer is not reading, so its close frame may never get through; without this, `ws`
 * would keep its buffers for 30 s.
 */
const CLOSE_GRACE_MS = 2_000;

export interface ConnectionOptions {
  /** Above this many bytes queued for the client, it is too slow: closed with 4008. */
  maxBufferedBytes: number;
  onDrop: (reason: DropReason) => void;
}

/** One open socket of one user on this replica. */
export class Connection {
  readonly userId: string;
  readonly socket: WebSocket;
  /** When the token it was opened with expires (ms); the heartbeat closes it then. */
  readonly expiresAt: number;
  /** Set by any sign of life (pong, message); cleared by each heartbeat ping. */
  alive = true;
  readonly #options: ConnectionOptions;

  constructor(userId: string, socket: WebSocket, expiresAt: number, options: ConnectionOptions) {
    this.userId = userId;
    this.socket = socket;
    this.expiresAt = expiresAt;
    this.#options = options;
  }

  /**
   * Queues a frame, unless the client has not read what it was sent before: then it is closed
   * instead, so one slow reader never makes the server's memory grow. The bound is checked
   * before each send, so at most one frame more than the bound is ever queued.
   */
  send(frame: string): boolean {
    if (this.socket.readyState !== OPEN) return false;
    if (this.socket.bufferedAmount > this.#options.maxBufferedBytes) {
      this.drop('slow_consumer', WS_CLOSE.slowConsumer, 'too slow: reconnect and resume');
      return false;
    }
    this.socket.send(frame);
    return true;
  }

  /** Ends the connection for a reason of the server's, with a close code the client acts on. */
  drop(reason: DropReason, code: WsCloseCode, text: string): void {
    if (this.socket.readyState !== OPEN) return;
    this.#options.onDrop(reason);
    this.socket.close(code, text);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** A peer that missed a heartbeat gets no close handshake: it is not there to answer. */
  terminate(): void {
    if (this.socket.readyState !== OPEN) return;
    this.#options.onDrop('dead_peer');
    this.socket.terminate();
  }
}
