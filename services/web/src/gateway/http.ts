import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { App } from '@taskflow/service-kit';
import { forwardedHeaders, returnedHeaders } from './headers.ts';

/**
 * `/api/*` to task-api, streamed both ways and otherwise untouched: task-api authenticates,
 * validates and answers with its own status, headers (ETag, Location) and error body.
 * The page and the API share one origin this way, so the browser needs no CORS.
 */
export async function apiGateway(app: App, taskApi: URL): Promise<void> {
  await app.register(async (scope) => {
    // The body is task-api's business: pass it on as bytes, whatever its type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.all('/api/*', { schema: { hide: true } }, (request, reply) => {
      reply.hijack();
      const send = taskApi.protocol === 'https:' ? httpsRequest : httpRequest;
      const upstream = send(
        new URL(request.url, taskApi),
        {
          method: request.method,
          headers: {
            ...forwardedHeaders(request.headers, taskApi, {
              address: request.ip,
              host: request.headers.host,
            }),
            'x-request-id': request.id,
            'x-correlation-id': request.correlationId,
          },
        },
        (response) => {
          reply.raw.writeHead(response.statusCode ?? 502, returnedHeaders(response.headers));
          response.pipe(reply.raw);
        },
      );
      upstream.on('error', (error) => {
        request.log.warn({ err: error.message }, 'task-api unreachable');
        if (reply.raw.headersSent) return reply.raw.destroy();
        const body = JSON.stringify({
          error: {
            code: 'unavailable',
            message: 'task-api is unreachable',
            request_id: request.id,
          },
        });
        reply.raw.writeHead(502, { 'content-type': 'application/json' }).end(body);
      });
      request.raw.pipe(upstream);
    });
  });
}
