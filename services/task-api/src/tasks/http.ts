import { AppError } from '@taskflow/service-kit';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Task } from '@taskflow/contracts';

/** A task's ETag is its version: strong, quoted. */
export const etagOf = (task: Pick<Task, 'version'>) => `"${task.version}"`;

export function withEtag<T extends Task>(reply: FastifyReply, task: T): T {
  reply.header('etag', etagOf(task));
  return task;
}

const ENTITY_TAG = /^(?:W\/)?"(\d{1,9})"$|^(\d{1,9})$/;

/**
 * The version `If-Match` requires, or undefined when the header is absent or `*`. Several tags
 * are not supported: a task has one version at a time.
 */
export function expectedVersion(request: { headers: IncomingHttpHeaders }): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const match = header.trim().match(ENTITY_TAG);
  if (!match) {
    throw new AppError('validation_failed', 'If-Match must be one ETag such as "3"', [
      { location: 'headers', path: 'if-match', message: 'expected one entity tag, e.g. "3"' },
    ]);
  }
  return Number(match[1] ?? match[2]);
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function idempotencyKey(request: { headers: IncomingHttpHeaders }): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw new AppError('validation_failed', 'Idempotency-Key must be 1-255 printable characters', [
      { location: 'headers', path: 'idempotency-key', message: '1-255 printable ASCII characters' },
    ]);
  }
  return key;
}
