import { Pool } from 'undici';
import { DaprError, SidecarUnavailableError } from '../errors.ts';

/** Where the sidecar is and how to talk to it; one per client. */
export interface SidecarConnection {
  /** http://127.0.0.1:3500 */
  baseUrl: string;
  /** Sent as `dapr-api-token` when set (daprd's DAPR_API_TOKEN). */
  apiToken: string | undefined;
  /** Per request; a hung sidecar must not hang the caller. */
  timeoutMs: number;
  /** Keep-alive connections to the sidecar (`sidecarPool`). */
  pool: Pool;
}

/**
 * Keep-alive connections to one sidecar. undici's request API, not `fetch`: the relay calls the
 * sidecar for every batch, and fetch's WHATWG Request, Response, Headers and stream objects
 * cost task-api about 0.5 ms of CPU per call (docs/benchmarks.md). Idle connections do not keep
 * the process alive.
 */
export function sidecarPool(baseUrl: string): Pool {
  return new Pool(baseUrl, { connections: 16 });
}

export interface SidecarRequest {
  /** For messages: "publish taskflow-pubsub/tasks.events". */
  operation: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Already URL-encoded, from the API version on: "/v1.0/state/taskflow-state/abc". */
  path: string;
  /** Sent as `metadata.<key>=<value>` query parameters. */
  metadata?: Record<string, string> | undefined;
  headers?: Record<string, string>;
  /** A JSON (or CloudEvent JSON) text. */
  body?: string;
  contentType?: string;
  timeoutMs?: number;
}

export interface SidecarResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTP call to the sidecar. Answers with whatever status daprd gave; throws only
 * SidecarUnavailableError, when there was no answer (refused, reset, timed out).
 */
export async function callSidecar(
  connection: SidecarConnection,
  request: SidecarRequest,
): Promise<SidecarResponse> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(request.metadata ?? {})) {
    query.set(`metadata.${key}`, value);
  }
  const path = query.size ? `${request.path}?${query}` : request.path;
  const headers: Record<string, string> = { ...request.headers };
  if (connection.apiToken) headers['dapr-api-token'] = connection.apiToken;
  if (request.body !== undefined)
    headers['content-type'] = request.contentType ?? 'application/json';
  const timeoutMs = request.timeoutMs ?? connection.timeoutMs;
  try {
    const response = await connection.pool.request({
      method: request.method,
      path,
      headers,
      body: request.body ?? null,
      // daprd answers once the work is done, so the headers' wait is the request's.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      text: await response.body.text(),
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    const reason = timedOut
      ? `no answer from the Dapr sidecar at ${connection.baseUrl} within ${timeoutMs} ms`
      : `cannot reach the Dapr sidecar at ${connection.baseUrl} (${networkCause(error)})`;
    throw new SidecarUnavailableError(request.operation, reason, { cause: error });
  }
}

/** The DaprError for a response that is not a success, with daprd's code and message. */
export function failureOf(operation: string, response: SidecarResponse): DaprError {
  const { errorCode, message } = parseErrorBody(response.text);
  return new DaprError(
    operation,
    `HTTP ${response.status}${errorCode ? ` ${errorCode}` : ''}: ${message || '(empty body)'}`,
    { status: response.status, errorCode, body: response.text },
  );
}

/** daprd's error body is `{"errorCode": "...", "message": "..."}`; anything else is kept raw. */
export function parseErrorBody(text: string): { errorCode?: string; message: string } {
  try {
    const body: unknown = JSON.parse(text);
    if (body !== null && typeof body === 'object') {
      const { errorCode, message } = body as { errorCode?: unknown; message?: unknown };
      return {
        ...(typeof errorCode === 'string' ? { errorCode } : {}),
        message: typeof message === 'string' ? message : text,
      };
    }
  } catch {
    // not JSON: fall through
  }
  return { message: text.trim() };
}

export const isSuccess = (status: number) => status >= 200 && status < 300;

export const segment = (value: string) => encodeURIComponent(value);

function networkCause(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return code ?? message ?? String(error);
}
