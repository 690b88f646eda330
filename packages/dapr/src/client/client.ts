import type { z } from 'zod';
import { invokeBinding, type InvokeBindingOptions } from './bindings.ts';
import {
  publish,
  publishBulk,
  type BulkPublishEntry,
  type BulkPublishOptions,
  type BulkPublishResult,
  type PublishOptions,
} from './publish.ts';
import { waitForSidecar } from './sidecar.ts';
import { sidecarPool, type SidecarConnection } from './sidecar-http.ts';
import {
  deleteState,
  getBulkState,
  getState,
  saveState,
  stateTransaction,
  type StateEntry,
  type StateItem,
  type StateOperation,
} from './state.ts';

export interface DaprClientOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** The sidecar's HTTP port (DAPR_HTTP_PORT). */
  httpPort: number;
  /** The sidecar's DAPR_API_TOKEN, when it requires one. */
  apiToken?: string;
  /** Per request, default 10 s. */
  timeoutMs?: number;
}

/** Everything a service asks of its sidecar. Failures throw DaprError (or a subclass). */
export interface DaprClient {
  /** http://host:port of the sidecar. */
  readonly url: string;
  waitForSidecar(options?: { timeoutMs?: number }): Promise<void>;
  publish(pubsub: string, topic: string, event: unknown, options?: PublishOptions): Promise<void>;
  publishBulk(
    pubsub: string,
    topic: string,
    entries: BulkPublishEntry[],
    options?: BulkPublishOptions,
  ): Promise<BulkPublishResult>;
  getState<T = unknown>(
    store: string,
    key: string,
    schema?: z.ZodType<T>,
  ): Promise<StateEntry<T> | undefined>;
  getBulkState(store: string, keys: string[]): Promise<Map<string, StateEntry<unknown>>>;
  saveState(store: string, items: StateItem[]): Promise<void>;
  deleteState(store: string, key: string, options?: { etag?: string }): Promise<void>;
  stateTransaction(store: string, operations: StateOperation[]): Promise<void>;
  /** An output binding (bindings.smtp, say); answers the binding's response body. */
  invokeBinding(name: string, data: unknown, options?: InvokeBindingOptions): Promise<string>;
}

/** A client for one sidecar. It opens nothing until the first call. */
export function createDaprClient(options: DaprClientOptions): DaprClient {
  const baseUrl = `http://${options.host ?? '127.0.0.1'}:${options.httpPort}`;
  const connection: SidecarConnection = {
    baseUrl,
    apiToken: options.apiToken || undefined,
    timeoutMs: options.timeoutMs ?? 10_000,
    pool: sidecarPool(baseUrl),
  };
  return {
    url: connection.baseUrl,
    waitForSidecar: (opts) => waitForSidecar(connection, opts),
    publish: (pubsub, topic, event, opts) => publish(connection, pubsub, topic, event, opts),
    publishBulk: (pubsub, topic, entries, opts) =>
      publishBulk(connection, pubsub, topic, entries, opts),
    getState: (store, key, schema) => getState(connection, store, key, schema),
    getBulkState: (store, keys) => getBulkState(connection, store, keys),
    saveState: (store, items) => saveState(connection, store, items),
    deleteState: (store, key, opts) => deleteState(connection, store, key, opts),
    stateTransaction: (store, operations) => stateTransaction(connection, store, operations),
    invokeBinding: (name, data, opts) => invokeBinding(connection, name, data, opts),
  };
}
