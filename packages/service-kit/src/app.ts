import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import {
  CorrelationId,
  errorStatus,
  type ErrorBody,
  type ErrorCode,
  type ErrorDetail,
} from '@taskflow/contracts';
import { registerCors, type CorsPolicy } from './cors.ts';
import { AppError } from './errors.ts';
import type { Logger } from './logger.ts';
import { redactUrl } from './logger.ts';
import { methodIndex } from './method-not-allowed.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Ties together every log line and event caused by one user action, across services. */
    correlationId: string;
    /** performance.now() when the request arrived. */
    receivedAt: number;
  }
}

export interface AppOptions {
  logger: Logger;
  /** Largest request body accepted, in bytes; larger ones get 413. */
  bodyLimit?: number;
  /**
   * Recognises errors that mean a dependency is out of reach (the database down or restarting):
   * those get 503 `unavailable` with `Retry-After`, not 500, since retrying is the right move.
   */
  isUnavailable?: (error: unknown) => boolean;
  /** Browser pages on other origins that may call this service; none when absent. */
  cors?: CorsPolicy;
  /**
   * TRUST_PROXY: the proxy addresses/CIDRs whose X-Forwarded-For names the client (Fastify's
   * trustProxy). Default: none, `request.ip` is the peer's address.
   */
  trustProxy?: string | undefined;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const UNAVAILABLE = 'a service this request needs is unreachable for the moment: retry shortly';
/** Log levels at which every request gets its line. */
const VERBOSE_LEVELS = new Set(['debug', 'trace']);
/** A request slower than this is logged (warn) whatever its status. */
const SLOW_REQUEST_MS = 2_000;

/**
 * A Fastify instance with taskflow's conventions: zod validation and serialisation, request and
 * correlation ids, one error body, empty JSON bodies read as "no body".
 */
export function createApp(options: AppOptions): App {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // One line per request comes from our onResponse hook, with the correlation id.
    logController: new LogController({ disableRequestLogging: true }),
    // A path may carry two user ids (a project's member) of up to 128 characters each.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    // A URL the router cannot even decode (`/%ZZ`) still gets the uniform body.
    frameworkErrors: (_error, request, reply: FastifyReply) =>
      reply.code(400).send(errorBody('validation_failed', 'the URL is not valid', request.id)),
    // Requests too malformed to parse never reach a handler; they still get the uniform body.
    clientErrorHandler: (_error, socket) => {
      if (!socket.writable) return socket.destroy();
      const body = JSON.stringify(
        errorBody('validation_failed', 'the HTTP request is malformed', randomUUID()),
      );
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  acceptEmptyJson(app, ['application/json', 'application/cloudevents+json']);

  app.decorateRequest('correlationId', '');
  app.decorateRequest('receivedAt', 0);
  // These two run on every request: callback hooks (no promise each), and no zod failure built
  // for the usual request that brings no correlation id.
  app.addHook('onRequest', (request, reply, done) => {
    const header = request.headers['x-correlation-id'];
    const given = header === undefined ? undefined : CorrelationId.safeParse(header);
    request.correlationId = given?.success ? given.data : randomUUID();
    request.receivedAt = performance.now();
    reply.header('x-request-id', request.id);
    reply.header('x-correlation-id', request.correlationId);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const failed = reply.statusCode >= 500;
    const slow = reply.elapsedTime >= SLOW_REQUEST_MS;
    if (failed || slow || VERBOSE_LEVELS.has(request.log.level)) {
      const line = {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        correlation_id: request.correlationId,
      };
      if (failed) request.log.error(line, 'request failed');
      else if (slow) request.log.warn(line, 'slow request');
      else request.log.debug(line, 'request');
    }
    done();
  });
  // A client that gave up waiting leaves no answer to log: say so, with how long it waited.
  app.addHook('onRequestAbort', (request, done) => {
    request.log.warn(
      {
        method: request.method,
        url: redactUrl(request.url),
        ms: Math.round(performance.now() - request.receivedAt),
        correlation_id: request.correlationId,
      },
      'client closed the connection before the answer',
    );
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (options.isUnavailable?.(error)) {
      request.log.warn({ err: error }, 'a dependency is unavailable');
      return reply
        .code(errorStatus.unavailable)
        .header('retry-after', '1')
        .type('application/json')
        .send(errorBody('unavailable', UNAVAILABLE, request.id));
    }
    const { code, message, details } = describeError(error);
    const status = errorStatus[code];
    if (status >= 500) request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(status)
      .type('application/json')
      .send(errorBody(code, message, request.id, details));
  });
  if (options.cors) registerCors(app, options.cors);
  // A path that exists, asked with a method it does not have: 405 with the methods it has,
  // before anything reads the body (a 404 route parses one, and `QUERY` without a type would be
  // a 400). Added once the CORS plugin has loaded (plugins load in order), so that a 405
  // carries the CORS headers too and a page can read it.
  const methods = methodIndex(app);
  const refuseMethod = (request: FastifyRequest, reply: FastifyReply, allowed: string[]) => {
    const route = `${request.method} ${redactUrl(request.url).split('?')[0]}`;
    return reply
      .code(errorStatus.method_not_allowed)
      .header('allow', allowed.join(', '))
      .send(
        errorBody(
          'method_not_allowed',
          `${route}: this path takes ${allowed.join(', ')}`,
          request.id,
        ),
      );
  };
  app.after((error) => {
    if (error) throw error;
    app.addHook('onRequest', (request, reply, done) => {
      const allowed = methods.allowedFor(request);
      if (allowed) void refuseMethod(request, reply, allowed);
      else done();
    });
  });
  app.setNotFoundHandler((request, reply) => {
    // CORS's catch-all OPTIONS route hands a non-preflight OPTIONS here: still a 405.
    const allowed = methods.allowedAt(request);
    if (allowed) return refuseMethod(request, reply, allowed);
    const route = `${request.method} ${redactUrl(request.url).split('?')[0]}`;
    return reply.code(404).send(errorBody('not_found', `no route ${route}`, request.id));
  });

  return app as unknown as App;
}

function errorBody(
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: ErrorDetail[],
): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}), request_id: requestId } };
}

/**
 * Reads JSON bodies with Fastify's own (prototype-poisoning safe) parser, but lets an empty body
 * through as `undefined`: Dapr's cron trigger and many clients send one with a JSON content type.
 * Whether a body is required is the route schema's decision, not the parser's.
 */
function acceptEmptyJson(app: FastifyInstance, contentTypes: string[]): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  for (const type of contentTypes) {
    app.removeContentTypeParser(type);
    app.addContentTypeParser(type, { parseAs: 'string' }, (request, body, done) => {
      if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
      parseJson(request, body as string, (error, value) => {
        if (error) (error as FastifyError).statusCode = 400;
        done(error, value);
      });
    });
  }
}

function describeError(error: FastifyError): {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
} {
  if (error instanceof AppError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = error.validationContext ?? 'body';
    const location = (context === 'querystring' ? 'query' : context) as ErrorDetail['location'];
    return {
      code: 'validation_failed',
      message: `the request ${location} is invalid`,
      details: error.validation.map((issue) => ({
        location,
        path: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'),
        message: issue.message ?? 'is invalid',
      })),
    };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', message: 'the request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'unsupported_media_type', message: 'send the body as application/json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'validation_failed', message: 'the Content-Length does not match the body' };
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { code: 'validation_failed', message: 'the request body is not valid JSON' };
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: codeForStatus(error.statusCode), message: error.message };
  }
  return { code: 'internal', message: 'something went wrong on our side' };
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    default:
      return 'validation_failed';
  }
}
