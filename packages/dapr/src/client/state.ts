import type { z } from 'zod';
import { DaprError, EtagMismatchError } from '../errors.ts';
import {
  callSidecar,
  failureOf,
  isSuccess,
  segment,
  type SidecarConnection,
  type SidecarResponse,
} from './sidecar-http.ts';

export interface StateEntry<T> {
  value: T;
  /** Pass it back to saveState/deleteState to write only if nobody wrote in between. */
  etag: string;
}

export type Concurrency = 'first-write' | 'last-write';

export interface StateItem {
  key: string;
  value: unknown;
  /** Write only if the stored etag is still this one. */
  etag?: string;
  /** The key disappears after this many seconds. */
  ttlSeconds?: number;
  /**
   * first-write without an etag creates the key only if it does not exist (an idempotency key).
   * On Redis that holds when every write of the key is first-write.
   */
  concurrency?: Concurrency;
}

export interface StateOperation {
  operation: 'upsert' | 'delete';
  key: string;
  value?: unknown;
  etag?: string;
  ttlSeconds?: number;
}

// Direct HTTP instead of @dapr/dapr `client.state.get`: the SDK returns the value and drops the
// ETag response header (dapr/js-sdk#540), so optimistic concurrency is impossible through it.
/** The value and etag of `key`, or undefined when there is none (or it expired). */
export async function getState<T = unknown>(
  connection: SidecarConnection,
  store: string,
  key: string,
  schema?: z.ZodType<T>,
): Promise<StateEntry<T> | undefined> {
  const operation = `get state ${store}/${key}`;
  const response = await callSidecar(connection, {
    operation,
    method: 'GET',
    path: `/v1.0/state/${segment(store)}/${segment(key)}`,
  });
  if (response.status === 204 || (isSuccess(response.status) && response.text === '')) {
    return undefined;
  }
  if (!isSuccess(response.status)) throw failureOf(operation, response);
  const etag = response.headers.etag;
  if (typeof etag !== 'string') {
    throw new DaprError(operation, `the store answered without an ETag; it must support etags`, {
      status: response.status,
    });
  }
  const raw: unknown = JSON.parse(response.text);
  const value = schema ? schema.parse(raw) : (raw as T);
  return { value, etag };
}

// Direct HTTP, like getState, so that each entry keeps its etag.
/**
 * The values and etags of several keys in one call (`POST /v1.0/state/{store}/bulk`); keys
 * with no value (never written, deleted or expired) are absent from the map.
 */
export async function getBulkState(
  connection: SidecarConnection,
  store: string,
  keys: string[],
): Promise<Map<string, StateEntry<unknown>>> {
  const entries = new Map<string, StateEntry<unknown>>();
  if (keys.length === 0) return entries;
  const operation = `bulk get state ${store}/${keys.join(',')}`;
  const response = await callSidecar(connection, {
    operation,
    method: 'POST',
    path: `/v1.0/state/${segment(store)}/bulk`,
    body: JSON.stringify({ keys, parallelism: Math.min(keys.length, 16) }),
  });
  if (!isSuccess(response.status)) throw failureOf(operation, response);
  const items = JSON.parse(response.text) as Array<{
    key: string;
    data?: unknown;
    etag?: string;
    error?: string;
  }>;
  for (const item of items) {
    // One key the store could not read fails the whole call: a caller must not take a
    // missing answer for "no value".
    if (item.error) throw new DaprError(operation, `key ${item.key}: ${item.error}`);
    if (item.data === undefined || item.data === null) continue;
    if (typeof item.etag !== 'string') {
      throw new DaprError(operation, `the store answered without an ETag; it must support etags`);
    }
    entries.set(item.key, { value: item.data, etag: item.etag });
  }
  return entries;
}

// Direct HTTP instead of @dapr/dapr `client.state.save`/`delete`: they return failures as
// `{ error }` with daprd's status inside a JSON string, have no timeout, and the etag they
// would need comes from `get`, which drops it (#540).
/**
 * Saves the items. Several items are NOT atomic (each is its own write): use stateTransaction
 * for all-or-nothing. A lost concurrency check throws EtagMismatchError.
 */
export async function saveState(
  connection: SidecarConnection,
  store: string,
  items: StateItem[],
): Promise<void> {
  if (items.length === 0) return;
  const operation = `save state ${store}/${items.map((item) => item.key).join(',')}`;
  const response = await callSidecar(connection, {
    operation,
    method: 'POST',
    path: `/v1.0/state/${segment(store)}`,
    body: JSON.stringify(
      items.map((item) => ({
        key: item.key,
        value: item.value,
        ...(item.etag === undefined ? {} : { etag: item.etag }),
        ...(item.concurrency ? { options: { concurrency: item.concurrency } } : {}),
        ...ttlMetadata(item.ttlSeconds),
      })),
    ),
  });
  if (!isSuccess(response.status)) throw stateFailure(operation, response);
}

/** Deletes `key` (only if its etag still matches, when one is given). Absent keys are fine. */
export async function deleteState(
  connection: SidecarConnection,
  store: string,
  key: string,
  options: { etag?: string } = {},
): Promise<void> {
  const operation = `delete state ${store}/${key}`;
  const response = await callSidecar(connection, {
    operation,
    method: 'DELETE',
    path: `/v1.0/state/${segment(store)}/${segment(key)}`,
    headers: options.etag === undefined ? {} : { 'if-match': options.etag },
  });
  if (!isSuccess(response.status)) throw stateFailure(operation, response);
}

/**
 * Applies the operations as one transaction. A lost concurrency check throws EtagMismatchError.
 * All-or-nothing holds on PostgreSQL; state.redis runs MULTI/EXEC, which has no rollback, so
 * the other operations of a transaction whose etag check failed ARE applied there.
 */
export async function stateTransaction(
  connection: SidecarConnection,
  store: string,
  operations: StateOperation[],
): Promise<void> {
  if (operations.length === 0) return;
  const operation = `state transaction ${store}/${operations.map((op) => op.key).join(',')}`;
  const response = await callSidecar(connection, {
    operation,
    method: 'POST',
    path: `/v1.0/state/${segment(store)}/transaction`,
    body: JSON.stringify({
      operations: operations.map((op) => ({
        operation: op.operation,
        request: {
          key: op.key,
          ...(op.operation === 'upsert' ? { value: op.value } : {}),
          ...(op.etag === undefined ? {} : { etag: op.etag }),
          ...ttlMetadata(op.ttlSeconds),
        },
      })),
    }),
  });
  if (!isSuccess(response.status)) throw stateFailure(operation, response);
}

function ttlMetadata(ttlSeconds: number | undefined) {
  if (ttlSeconds === undefined) return {};
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new RangeError(`ttlSeconds must be a whole number of seconds >= 1, got ${ttlSeconds}`);
  }
  return { metadata: { ttlInSeconds: String(ttlSeconds) } };
}

// daprd answers 409 when the store reports an etag mismatch. Other lost concurrency checks come
// back as 500 with only the store's own words (seen with daprd 1.16, in test/):
// - a first-write without etag on an existing key: Redis "failed to set key <key>",
//   PostgreSQL v2 "no item was updated";
// - anything inside a transaction (daprd maps every transaction error to 500): Redis
//   "failed to set key" / "failed to delete", PostgreSQL "possible etag mismatch".
const LOST_CONCURRENCY_CHECK =
  /possible etag mismatch|failed to set key|failed to delete|no item was updated/;

export function stateFailure(operation: string, response: SidecarResponse): DaprError {
  const failure = failureOf(operation, response);
  const lost =
    response.status === 409 ||
    (response.status === 500 && LOST_CONCURRENCY_CHECK.test(failure.message));
  if (!lost) return failure;
  return new EtagMismatchError(operation, failure.message.replace(`${operation} failed: `, ''), {
    status: failure.status,
    errorCode: failure.errorCode,
    body: response.text,
  });
}
