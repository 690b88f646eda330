import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Task } from '@taskflow/contracts';

/** A task's ETag is its version: strong, quoted. */
export const etagOf = (task: Pick<Task, 'version'>) => `"${task.version}"`;

export function withEtag<T extends Task>(reply: FastifyReply, task: T): T {
  reply.header('etag', etagOf(task));
  return task;
}

/**
 * The version `If-Match` requires, or undefined when the header is absent or `*`. Its shape (one
 * entity tag: several are not supported, a task has one version at a time) was checked by the
 * route's header schema, contracts' `IfMatchHeaders`.
 */
export function expectedVersion(request: { headers: IncomingHttpHeaders }): number | undefined {
  const digits = request.headers['if-match']?.match(/[0-9]+/);
  return digits ? Number(digits[0]) : undefined;
}

/** `Idempotency-Key`, checked by the route's header schema (contracts' `IdempotencyHeaders`). */
export function idempotencyKey(request: { headers: IncomingHttpHeaders }): string | undefined {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' ? key : undefined;
}
