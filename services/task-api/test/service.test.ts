import { describe, expect, it } from 'vitest';
import { ErrorBody } from '@taskflow/contracts';
import { startApi } from './api.ts';

const api = await startApi();

describe('service endpoints', () => {
  it('GET /healthz and /readyz answer 200 without a token while the database is up', async () => {
    expect((await api.call('GET', '/healthz')).statusCode).toBe(200);
    const ready = await api.call('GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', failing: [] });
  });

  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const response = await api.call('GET', '/docs/json');
    expect(response.statusCode).toBe(200);
    const spec = response.json();
    expect(spec.openapi).toBe('3.1.0');
    for (const path of [
      '/api/{user_id}/tasks',
      '/api/{user_id}/tasks/{id}',
      '/api/{user_id}/tasks/{id}/complete',
      '/api/{user_id}/tasks/{id}/due-date',
    ]) {
      expect(spec.paths).toHaveProperty([path]);
    }
    expect(
      spec.paths['/api/{user_id}/tasks'].post.requestBody.content['application/json'].schema
        .properties.title.maxLength,
    ).toBe(500);
    expect((await api.call('GET', '/docs')).statusCode).toBeLessThan(400);
  });

  it('answers unknown routes with the uniform 404 body and echoes the request id', async () => {
    const response = await api.call('GET', '/nope', { headers: { 'x-request-id': 'req-42' } });
    expect(response.statusCode).toBe(404);
    expect(ErrorBody.parse(response.json()).error.request_id).toBe('req-42');
    expect(response.headers['x-request-id']).toBe('req-42');
  });
});
