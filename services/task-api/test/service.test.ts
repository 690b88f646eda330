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
    expect(spec.paths['/api/{user_id}/tasks'].post.requestBody.required).toBe(true);
    // No body completes a task: the document must not demand one.
    expect(spec.paths['/api/{user_id}/tasks/{id}/complete'].patch.requestBody.required).toBe(false);
    expect((await api.call('GET', '/docs')).statusCode).toBeLessThan(400);
  });

  it('answers unknown routes with the uniform 404 body and echoes the request id', async () => {
    const response = await api.call('GET', '/nope', { headers: { 'x-request-id': 'req-42' } });
    expect(response.statusCode).toBe(404);
    expect(ErrorBody.parse(response.json()).error.request_id).toBe('req-42');
    expect(response.headers['x-request-id']).toBe('req-42');
  });

  it('answers a method a known path does not have with 405 and the methods it has in Allow', async () => {
    const { id, token } = await api.newUser();
    for (const method of ['TRACE', 'QUERY', 'PATCH'] as const) {
      const response = await api.app.inject({
        method: method as 'PATCH',
        url: `/api/${id}/tasks?limit=1`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        payload: 'x',
      });
      expect(response.statusCode, method).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD, POST');
      expect(ErrorBody.parse(response.json()).error.code).toBe('method_not_allowed');
    }
    // `/tasks/recurring` has GET only, though `PUT /tasks/:id` would take `recurring` as an id.
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const response = await api.call(method, `/api/${id}/tasks/recurring`, { token, body: {} });
      expect(response.statusCode, method).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
    }
    const options = await api.app.inject({
      method: 'OPTIONS',
      url: `/api/${id}/tasks/recurring`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(options.statusCode).toBe(405);
    expect(options.headers.allow).toBe('GET, HEAD');
    const notAnId = await api.call('PUT', `/api/${id}/tasks/recurrin`, { token, body: {} });
    expect(notAnId.statusCode).toBe(400);
    const unknown = await api.call('DELETE', '/api/nobody/nothing');
    expect(unknown.statusCode).toBe(404);
  });

  it('names every operation and links the create responses to the operations that take their ids', async () => {
    const spec = (await api.call('GET', '/docs/json')).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const operations = new Map<string, { path: string; operation: Operation }>();
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const operation of Object.values(methods)) {
        expect(operation.operationId, path).toMatch(/^[a-z][A-Za-z]+$/);
        operations.set(operation.operationId, { path, operation });
      }
    }
    const linked = (operationId: string) =>
      Object.values(operations.get(operationId)!.operation.responses['201']!.links ?? {});
    expect(linked('createTask').map((link) => link.operationId)).toContain('getTask');
    expect(linked('createReminder').map((link) => link.operationId)).toEqual([
      'getReminder',
      'deleteReminder',
    ]);
    for (const link of [...linked('createTask'), ...linked('createReminder')]) {
      const target = operations.get(link.operationId);
      expect(target, link.operationId).toBeDefined();
      const pathParameters = [...target!.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect(Object.keys(link.parameters).sort(), link.operationId).toEqual(pathParameters.sort());
    }
  });
});

interface Operation {
  operationId: string;
  responses: Record<
    string,
    { links?: Record<string, { operationId: string; parameters: Record<string, string> }> }
  >;
}
