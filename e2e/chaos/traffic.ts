import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch } from 'undici';

/** A user of the soak: who calls, with which token. */
export interface SoakUser {
  id: string;
  token: string;
}

/** What one attempt of one request got: a status, or no answer at all. */
export interface Attempt {
  /** When the attempt was sent (ms since the epoch). */
  at: number;
  method: string;
  /** The path with ids replaced by `:id`, for the report. */
  route: string;
  /** Which task-api replica it went to. */
  replica: number;
  status: number | 'network' | 'timeout';
  /** For no answer: the error's code (ECONNRESET, ECONNREFUSED, UND_ERR_SOCKET...), to tell why. */
  cause?: string;
  /** 1 for the first try of a request. */
  attempt: number;
  /** When it ended: answered, refused, dropped or timed out (ms since the epoch). */
  endedAt: number;
}

export interface Answer {
  status: number;
  json: unknown;
  /** When the attempt that got this answer was sent. */
  sentAt: number;
  /** Which attempt got it: above 1, an earlier attempt may have gone through unanswered. */
  attempt: number;
}

/** A refused or dropped attempt is tried again this many times in all, with a growing pause. */
const MAX_ATTEMPTS = 10;
const ATTEMPT_TIMEOUT_MS = 10_000;
/**
 * Idle connections are closed long before task-api's keep-alive timeout (Fastify's 72 s). By
 * default undici keeps one until 2 s before the server's hint; on a loaded machine its timer can
 * be that late, and a request written on a socket the server is closing gets no answer: the
 * client's race, which says nothing about taskflow.
 */
const agent = new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 10_000 });

/**
 * The soak's HTTP client for task-api, as a careful production client behaves: it spreads
 * requests over the replicas and retries what a retry cannot make worse (no answer, 503, 429)
 * on the next replica, with the same Idempotency-Key for a create. Every attempt is kept, so
 * the verdict can tell a documented 503 from a 5xx that should not be.
 */
export class Traffic {
  readonly attempts: Attempt[] = [];
  /** Requests that got no final answer within MAX_ATTEMPTS. */
  readonly gaveUp: Array<{ at: number; method: string; route: string }> = [];
  readonly #apis: string[];
  #next = 0;

  constructor(apis: string[]) {
    this.#apis = apis;
  }

  async call(
    user: SoakUser,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer | undefined> {
    const route = path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id').replace(/\?.*/, '');
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const replica = this.#next++ % this.#apis.length;
      const at = Date.now();
      let status: Attempt['status'];
      let answer: Answer | undefined;
      let cause: string | undefined;
      try {
        const response = await fetch(`${this.#apis[replica]}/api/${user.id}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${user.token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
          dispatcher: agent,
        });
        const text = await response.text();
        status = response.status;
        answer = { status, json: text ? JSON.parse(text) : undefined, sentAt: at, attempt };
      } catch (error) {
        status =
          error instanceof DOMException && error.name === 'TimeoutError' ? 'timeout' : 'network';
        cause = errorCode(error);
      }
      this.attempts.push({
        at,
        endedAt: Date.now(),
        method,
        route,
        replica,
        status,
        attempt,
        ...(cause ? { cause } : {}),
      });
      if (answer && answer.status !== 503 && answer.status !== 429) return answer;
      await sleep(Math.min(200 * attempt, 2_000));
    }
    this.gaveUp.push({ at: Date.now(), method, route });
    return undefined;
  }
}

/** The code of a failed fetch: undici puts the socket's error in `cause`. */
function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return typeof cause?.message === 'string' ? cause.message : undefined;
}
