import { describe, expect, it } from 'vitest';
import { ErrorBody } from '@taskflow/contracts';
import { startApi } from './api.ts';

const PAGE = 'https://app.example.com';
const OTHER = 'https://elsewhere.example';
const api = await startApi(undefined, { corsAllowedOrigins: [PAGE, 'http://127.0.0.1:5173'] });
const { id, token } = await api.newUser();

/** A preflight as a browser sends it before a cross-origin POST with a token. */
const preflight = (origin: string, url = `/api/${id}/tasks`, method = 'POST') =>
  api.call('OPTIONS', url, {
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });

const list = (header?: string) => header?.split(',').map((part) => part.trim().toLowerCase());

describe('CORS on task-api', () => {
  it('answers the preflight of an allowed origin: methods, request headers, max age, no credentials', async () => {
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE']) {
      const response = await preflight(PAGE, `/api/${id}/tasks/${crypto.randomUUID()}`, method);
      expect(response.statusCode, method).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(PAGE);
      expect(list(response.headers['access-control-allow-methods'] as string)).toContain(
        method.toLowerCase(),
      );
    }
    const response = await preflight(PAGE);
    expect(response.headers['access-control-allow-methods']).toBe(
      'GET, HEAD, POST, PUT, PATCH, DELETE',
    );
    expect(response.headers['access-control-allow-headers']).toBe(
      'Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-Id, X-Correlation-Id',
    );
    expect(response.headers['access-control-max-age']).toBe('600');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(list(response.headers.vary as string)).toContain('origin');
    expect(response.body).toBe('');
  });

  it('refuses the preflight of any other origin with 403, and echoes it nowhere', async () => {
    for (const origin of [OTHER, 'null', `${PAGE}.evil.example`, 'http://app.example.com']) {
      const response = await preflight(origin);
      expect(response.statusCode, origin).toBe(403);
      expect(ErrorBody.parse(response.json()).error.code).toBe('forbidden');
      expect(response.json().error.message).toContain('CORS_ALLOWED_ORIGINS');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-methods']).toBeUndefined();
      expect(response.headers['access-control-allow-headers']).toBeUndefined();
    }
    const foreign = await api.call('GET', `/api/${id}/tasks`, {
      token,
      headers: { origin: OTHER },
    });
    expect(foreign.statusCode).toBe(200); // the browser, not the server, keeps it from the page
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect(foreign.headers['access-control-expose-headers']).toBeUndefined();
    const plain = await api.call('GET', `/api/${id}/tasks`, { token });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets an allowed page read answers, errors included, and the headers it needs', async () => {
    const created = await api.call('POST', `/api/${id}/tasks`, {
      token,
      headers: { origin: PAGE },
      body: { title: 'from another origin' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['access-control-allow-origin']).toBe(PAGE);
    expect(created.headers['access-control-expose-headers']).toBe(
      'ETag, Location, Retry-After, RateLimit, RateLimit-Policy, X-Request-Id, X-Correlation-Id',
    );
    // What the page reads through that list is there.
    expect(created.headers.etag).toBeDefined();
    expect(created.headers.location).toBeDefined();
    expect(created.headers['access-control-allow-credentials']).toBeUndefined();
    const unauthorized = await api.call('GET', `/api/${id}/tasks`, { headers: { origin: PAGE } });
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.headers['access-control-allow-origin']).toBe(PAGE);
  });

  it('keeps 405 with Allow for methods a path does not have, and 404 for unknown paths', async () => {
    const trace = await api.app.inject({
      method: 'TRACE' as 'GET',
      url: `/api/${id}/tasks`,
      headers: { authorization: `Bearer ${token}`, origin: PAGE },
    });
    expect(trace.statusCode).toBe(405);
    expect(trace.headers.allow).toBe('GET, HEAD, POST');
    expect(trace.headers['access-control-allow-origin']).toBe(PAGE);
    // An OPTIONS that is no preflight (no Access-Control-Request-Method) is a method like others.
    const options = await api.call('OPTIONS', `/api/${id}/tasks`, { headers: { origin: PAGE } });
    expect(options.statusCode).toBe(405);
    expect(options.headers.allow).toBe('GET, HEAD, POST');
    expect((await api.call('OPTIONS', `/api/${id}/tasks`)).statusCode).toBe(405);
    expect((await api.call('GET', '/api/nobody/nothing')).statusCode).toBe(404);
    expect((await api.call('OPTIONS', '/nothing')).statusCode).toBe(404);
  });
});

describe('CORS_ALLOWED_ORIGINS', () => {
  it('unset: every preflight is refused', async () => {
    const closed = await startApi();
    const response = await closed.call('OPTIONS', '/api/alice/tasks', {
      headers: { origin: PAGE, 'access-control-request-method': 'GET' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('`*`: any origin, answered with `*` and still without credentials', async () => {
    const open = await startApi(undefined, { corsAllowedOrigins: ['*'] });
    const response = await open.call('OPTIONS', '/api/alice/tasks', {
      headers: { origin: OTHER, 'access-control-request-method': 'GET' },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
