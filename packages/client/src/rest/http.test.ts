import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, createHttp } from './http.ts';

const body = (code: string, message: string) => ({
  error: {
    code,
    message,
    details: [{ location: 'body', path: 'title', message: 'too long' }],
    request_id: 'r1',
  },
});

/** A fetch that answers one canned response and records the request. */
function fakeFetch(status: number, answer: unknown) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(answer === undefined ? null : JSON.stringify(answer), { status });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('ApiError', () => {
  it('carries the uniform error body', () => {
    const error = new ApiError(400, body('validation_failed', 'the request body is invalid'));
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', requestId: 'r1' });
    expect(error.details[0]?.path).toBe('title');
  });

  it('tells a missing route (a server without the feature) from a missing task', () => {
    expect(
      new ApiError(404, body('not_found', 'no route POST /api/u/tasks/1/recurrence')).routeMissing,
    ).toBe(true);
    expect(new ApiError(404, body('not_found', 'task not found')).routeMissing).toBe(false);
    expect(new ApiError(502, 'not json').code).toBe('unreadable');
  });
});

describe('createHttp', () => {
  it('sends the token and JSON, and checks the answer against its schema', async () => {
    const { fetch, calls } = fakeFetch(200, { id: 'x' });
    const http = createHttp({ baseUrl: 'http://api', token: async () => 't0k', fetch });
    const answer = await http('POST', '/things', z.object({ id: z.string() }), {
      body: { a: 1 },
      query: { limit: 2, cursor: undefined },
    });
    expect(answer).toEqual({ id: 'x' });
    expect(calls[0]!.url).toBe('http://api/things?limit=2');
    expect(calls[0]!.init.headers).toMatchObject({
      authorization: 'Bearer t0k',
      'content-type': 'application/json',
    });
    await expect(http('GET', '/things', z.object({ id: z.number() }))).rejects.toThrow();
  });

  it('turns an error answer into ApiError', async () => {
    const { fetch } = fakeFetch(409, body('conflict', 'version conflict'));
    const http = createHttp({ baseUrl: '', token: () => 't', fetch });
    await expect(http('DELETE', '/things/1', undefined)).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
    });
  });
});
