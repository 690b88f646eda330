import { WsClientMessage } from '@taskflow/contracts';
import type { RawData } from 'ws';

/** A client message, or undefined for anything that is not one (binary, not JSON, wrong shape). */
export function parseClientMessage(data: RawData, isBinary: boolean): WsClientMessage | undefined {
  if (isBinary) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString() : data.toString());
  } catch {
    return undefined;
  }
  const parsed = WsClientMessage.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * At most `limit` client messages per `windowMs`. A client pings every few tens of seconds;
 * one that floods is closed rather than allowed to make the server parse and answer at its pace.
 */
export class MessageBudget {
  readonly #limit: number;
  readonly #windowMs: number;
  #windowStart = 0;
  #count = 0;

  constructor(limit = 20, windowMs = 10_000) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  take(now = Date.now()): boolean {
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#count = 0;
    }
    return ++this.#count <= this.#limit;
  }
}
