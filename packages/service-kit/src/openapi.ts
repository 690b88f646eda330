import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { FastifyInstance } from 'fastify';

/** OpenAPI 3.1 generated from the routes' zod schemas: UI at /docs, JSON at /docs/json. */
export async function registerOpenApi(
  app: FastifyInstance,
  info: { title: string; version: string; description: string },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info,
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (document) =>
      'openapiObject' in document
        ? declaredMediaTypes(optionalBodies(document.openapiObject))
        : document.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

interface Body {
  required?: boolean;
  content?: Record<string, { schema?: { anyOf?: { type?: string }[] } }>;
}

/**
 * @fastify/swagger marks every request body required, but a route whose body schema accepts
 * `null` (`Schema.nullish()`, e.g. `PATCH .../complete`) takes a request without one: say so,
 * or a client from the document must send a body it need not, and a tester expects a 400.
 */
function optionalBodies<T extends { paths?: object }>(document: T): T {
  for (const operations of Object.values(document.paths ?? {}) as Record<string, unknown>[]) {
    for (const operation of Object.values(operations) as { requestBody?: Body }[]) {
      const body = operation.requestBody;
      const json = body?.content?.['application/json']?.schema;
      if (body && json?.anyOf?.some((branch) => branch.type === 'null')) body.required = false;
    }
  }
  return document;
}

/** Marks a response schema as sent with another media type than JSON (an HTML page). */
export const MEDIA_TYPE_KEY = 'x-media-type';

interface Responses {
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

/**
 * @fastify/swagger files every response schema under `application/json`. A route that answers
 * something else (the HTML pages of the links in emails) marks its schema with MEDIA_TYPE_KEY
 * (`.meta({ 'x-media-type': 'text/html' })`), and the answer is filed under that type instead,
 * so a client (or a tester) reading the document expects what it gets.
 */
function declaredMediaTypes<T extends { paths?: object }>(document: T): T {
  for (const operations of Object.values(document.paths ?? {}) as Record<string, unknown>[]) {
    for (const operation of Object.values(operations) as Responses[]) {
      for (const response of Object.values(operation.responses ?? {})) {
        const json = response.content?.['application/json'];
        const type = json?.schema?.[MEDIA_TYPE_KEY];
        if (!json || typeof type !== 'string') continue;
        delete json.schema![MEDIA_TYPE_KEY];
        response.content = { [type]: json };
      }
    }
  }
  return document;
}
