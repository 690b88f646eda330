import { asyncApiDocument } from '@taskflow/contracts';
import type { App } from '@taskflow/service-kit';

export const ASYNCAPI_ROUTE = '/docs/asyncapi.json';

/**
 * `GET /docs/asyncapi.json`: the AsyncAPI 3.0 document of the topics and of this service's
 * WebSocket, generated from the contracts. Public, as task-api's `/docs` is: it describes the
 * protocol, and holds no data.
 */
export function docsRoutes(app: App) {
  // Generated once: the document is fixed for a build.
  const document = JSON.stringify(asyncApiDocument());
  app.get(ASYNCAPI_ROUTE, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(document),
  );
}
