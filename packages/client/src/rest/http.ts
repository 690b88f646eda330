import { ErrorBody, type ErrorCode, type ErrorDetail } from '@taskflow/contracts';
import type { z } from 'zod';

/** An error answer of the API, with its uniform body (docs/api.md). */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: ErrorCode | 'unreadable';
  readonly details: ErrorDetail[];
  readonly requestId: string | undefined;

  constructor(status: number, body: unknown) {
    const parsed = ErrorBody.safeParse(body);
    const error = parsed.success ? parsed.data.error : undefined;
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? 'unreadable';
    this.details = error?.details ?? [];
    this.requestId = error?.request_id;
  }

  /** A 404 for the route itself (a server without that feature), not for a missing task. */
  get routeMissing(): boolean {
    return this.status === 404 && this.message.startsWith('no route ');
  }
}

export interface HttpOptions {
  /** task-api's origin, e.g. `http://127.0.0.1:8000`; '' for the page's own origin. */
  baseUrl: string;
  /** Asked before every request, so a refreshed token is used. */
  token: () => string | Promise<string>;
  fetch?: typeof globalThis.fetch;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
}

export type Http = <S extends z.ZodType | undefined>(
  method: string,
  path: string,
  schema: S,
  options?: RequestOptions,
) => Promise<S extends z.ZodType ? z.infer<S> : undefined>;

/**
 * The one place requests are made: bearer token, JSON both ways, the answer checked against
 * its schema (a server that answers something else is an error here, not a surprise later),
 * and error bodies turned into ApiError.
 */
export function createHttp({ baseUrl, token, fetch = globalThis.fetch }: HttpOptions): Http {
  return async (method, path, schema, options = {}) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query.set(key, String(value));
    }
    const url = `${baseUrl}${path}${query.size ? `?${query}` : ''}`;
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${await token()}`,
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) throw new ApiError(response.status, json);
    return (schema ? schema.parse(json) : undefined) as never;
  };
}
