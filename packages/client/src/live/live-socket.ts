import {
  WsServerMessage,
  type WsEventMessage,
  type WsHello,
  type WsResync,
} from '@taskflow/contracts';
import { backoffDelay, type BackoffOptions } from '../backoff.ts';
import { Emitter } from '../emitter.ts';
import { SeenEvents } from '../seen-events.ts';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveSocketOptions {
  /** `ws(s)://host[:port]` of ws-notifier, or of the ingress that routes `/ws/` to it. */
  baseUrl: string;
  userId: string;
  /** Asked before every connection attempt, so a refreshed token is used on reconnect. */
  token: () => string | Promise<string>;
  /** Resume after this event on the first connection too (e.g. kept across a page reload). */
  lastEventId?: string;
  backoff?: BackoffOptions;
  /** Ping after this long without a message, give up after twice as long (default: the server's). */
  heartbeatMs?: number;
  /** Default: the global WebSocket (browsers, Node 22+). */
  WebSocket?: typeof globalThis.WebSocket;
  random?: () => number;
}

export interface LiveSocketEvents extends Record<string, unknown> {
  state: ConnectionState;
  /** Each event once (duplicates by event_id dropped), in arrival order. */
  message: WsEventMessage;
  hello: WsHello;
  /**
   * Reload over REST: `fresh` when a connection opened with nothing to resume from (the first
   * one, or before any event arrived), otherwise the server's reason.
   */
  resync: { reason: 'fresh' | WsResync['reason'] };
  /** Every socket that ends, with its close code (docs/realtime.md lists the server's). */
  closed: { code: number; reason: string };
}

/** A connection that lasted this long was healthy: the next drop starts the backoff afresh. */
const STABLE_MS = 5_000;
/** Close code the client uses for a server it stopped hearing from (never sent on the wire). */
export const HEARTBEAT_TIMEOUT = 4000;

/**
 * The live socket of one user: reconnects with jittered backoff (first retry within 250 ms,
 * never more than 5 s apart), resumes from the last event it saw, drops duplicates, and checks
 * the server with pings when it has been quiet (browsers cannot see protocol pings).
 */
export class LiveSocket extends Emitter<LiveSocketEvents> {
  readonly #options: LiveSocketOptions;
  readonly #WebSocket: typeof globalThis.WebSocket;
  readonly #seen = new SeenEvents();
  #state: ConnectionState = 'closed';
  #socket: WebSocket | undefined;
  #stopped = true;
  #everOpened = false;
  #attempt = 0;
  #openedAt = 0;
  #lastHeard = 0;
  #lastEventId: string | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(options: LiveSocketOptions) {
    super();
    this.#options = options;
    this.#lastEventId = options.lastEventId;
    const Impl = options.WebSocket ?? globalThis.WebSocket;
    if (!Impl) throw new Error('no WebSocket implementation: pass options.WebSocket');
    this.#WebSocket = Impl;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The last event received, sent as `last_event_id` on reconnect. */
  /** The user whose events this socket receives. */
  get userId(): string {
    return this.#options.userId;
  }

  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  connect(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#open();
  }

  close(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#stopHeartbeat();
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(1000);
    this.#setState('closed');
  }

  async #open(): Promise<void> {
    this.#setState(this.#everOpened ? 'reconnecting' : 'connecting');
    let token: string;
    try {
      token = await this.#options.token();
    } catch {
      this.#scheduleRetry();
      return;
    }
    if (this.#stopped) return;
    const resumeFrom = this.#lastEventId;
    const query = resumeFrom ? `?last_event_id=${encodeURIComponent(resumeFrom)}` : '';
    const url = `${this.#options.baseUrl}/ws/user/${encodeURIComponent(this.#options.userId)}/tasks${query}`;
    const socket = new this.#WebSocket(url, ['bearer', token]);
    this.#socket = socket;
    socket.onopen = () => {
      if (socket !== this.#socket) return;
      this.#everOpened = true;
      this.#openedAt = Date.now();
      this.#lastHeard = this.#openedAt;
      this.#setState('open');
    };
    socket.onmessage = (event) => {
      if (socket === this.#socket) this.#receive(event.data, resumeFrom !== undefined);
    };
    socket.onclose = (event) => this.#ended(socket, event.code, event.reason);
    socket.onerror = () => {}; // a close event follows; that is where the retry starts
  }

  #receive(data: unknown, resumed: boolean): void {
    this.#lastHeard = Date.now();
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      return;
    }
    // A message type this client does not know (a newer server) is skipped, not fatal.
    const parsed = WsServerMessage.safeParse(json);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.type) {
      case 'hello':
        this.#startHeartbeat(this.#options.heartbeatMs ?? message.heartbeat_interval_ms);
        this.emit('hello', message);
        if (!resumed) this.emit('resync', { reason: 'fresh' });
        return;
      case 'resync':
        this.emit('resync', { reason: message.reason });
        return;
      case 'pong':
        return;
      default:
        if (!this.#seen.add(message.event_id)) return;
        this.#lastEventId = message.event_id;
        this.emit('message', message);
    }
  }

  #ended(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#stopHeartbeat();
    this.emit('closed', { code, reason });
    if (this.#stopped) return;
    if (this.#openedAt && Date.now() - this.#openedAt >= STABLE_MS) this.#attempt = 0;
    this.#openedAt = 0;
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    this.#setState(this.#everOpened ? 'reconnecting' : 'connecting');
    const delay = backoffDelay(this.#attempt++, this.#options.backoff, this.#options.random);
    this.#retry = setTimeout(() => void this.#open(), delay);
  }

  #startHeartbeat(intervalMs: number): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(
      () => {
        const socket = this.#socket;
        if (!socket) return;
        const quiet = Date.now() - this.#lastHeard;
        if (quiet >= 2 * intervalMs) {
          // No answer to our ping either: the server or the path to it is gone, even if TCP has
          // not noticed. Do not wait for a close handshake that cannot complete.
          socket.close();
          this.#ended(socket, HEARTBEAT_TIMEOUT, 'server silent');
        } else if (quiet >= intervalMs && socket.readyState === socket.OPEN) {
          socket.send(JSON.stringify({ type: 'ping' }));
        }
      },
      Math.max(50, Math.floor(intervalMs / 2)),
    );
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }
}
