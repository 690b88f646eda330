import { DaprError, SidecarUnavailableError } from '../errors.ts';

/** Where the sidecar is and how to talk to it; one per client. */
export interface SidecarConnection {
  /** http://127.0.0.1:3500 */
  baseUrl: string;
  /** Sent as `dapr-api-token` when set (daprd's DAPR_API_TOKEN). */
  apiToken: string | undefined;
  /** Per request; a hung sidecar must not hang the caller. */
  timeoutMs: number;
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
  headers: Headers;
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
  const url = new URL(request.path, connection.baseUrl);
  for (const [key, value] of Object.entries(request.metadata ?? {})) {
    url.searchParams.set(`metadata.${key}`, value);
  }
  const headers: Record<string, string> = { ...request.headers };
  if (connection.apiToken) headers['dapr-api-token'] = connection.apiToken;
  if (request.body !== undefined)
    headers['content-type'] = request.contentType ?? 'application/json';
  const timeoutMs = request.timeoutMs ?? connection.timeoutMs;
  try {
    const response = await fetch(url, {
      method: request.method,
      headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
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
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string }) : {};
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
