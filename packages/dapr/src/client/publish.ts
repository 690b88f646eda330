import { DaprError } from '../errors.ts';
import { cloudEventJson } from '@taskflow/messaging';
import {
  callSidecar,
  failureOf,
  isSuccess,
  segment,
  type SidecarConnection,
} from './sidecar-http.ts';

export interface PublishOptions {
  /** Per-message metadata, e.g. `{ partitionKey: userId }` (Kafka record key). */
  metadata?: Record<string, string>;
  /** Publish the JSON as is, without daprd's CloudEvent envelope. */
  rawPayload?: boolean;
  /**
   * `application/json` (default). `application/cloudevents+json` publishes `event` as the
   * CloudEvent itself (daprd keeps its id, source and time): used to forward a delivery as is.
   */
  contentType?: 'application/json' | 'application/cloudevents+json';
}

export type BulkPublishEntry = {
  /** Unique within the request; failures are reported by it. */
  entryId: string;
  metadata?: Record<string, string>;
  /** With `cloudEventSource`: the W3C trace the event joins (@taskflow/messaging's cloud-event.ts). */
  traceId?: string;
  /**
   * Entries with the same key reach the broker in the order given. daprd (1.16, 1.18) publishes
   * the entries of one bulk call concurrently (up to 100 at a time) on components without a bulk
   * publish of their own, Redis Streams among them (dapr/dapr
   * pkg/runtime/pubsub/default_bulkpub.go), so a key's next entry goes in a later call, once
   * the call before has returned; and not at all if an earlier entry of its key failed.
   */
  orderKey?: string;
} & (
  | { event: unknown }
  /** The event already as JSON text (e.g. read from the outbox as such): sent without parsing. */
  | { eventJson: string }
);

export interface BulkPublishOptions {
  /** Request metadata; per-entry metadata (such as `partitionKey`) goes on the entries. */
  metadata?: Record<string, string>;
  /**
   * Build each entry's CloudEvent here, with this `source` (the publishing app's id), and have
   * daprd publish it as is (`rawPayload`) instead of wrapping the event itself. Subscribers get
   * the same CloudEvent either way; daprd no longer decodes, re-encodes and wraps every event,
   * which halves its CPU on the publish path (docs/benchmarks.md).
   */
  cloudEventSource?: string;
}

export interface BulkPublishResult {
  /** Entries the broker did not take; empty when all were published. */
  failedEntryIds: string[];
  /** Why, by entry id. */
  errors: Record<string, string>;
}

// Direct HTTP instead of @dapr/dapr `client.pubsub.publish`: the SDK call has no timeout (a hung
// sidecar hangs the outbox relay), waits up to 30 s for a sidecar that is down on its first
// call, and returns failures as `{ error }` with the status inside a JSON string in the message.
/** Publishes one event; resolves once the broker has it, throws DaprError otherwise. */
export async function publish(
  connection: SidecarConnection,
  pubsub: string,
  topic: string,
  event: unknown,
  options: PublishOptions = {},
): Promise<void> {
  const operation = `publish ${pubsub}/${topic}`;
  const response = await callSidecar(connection, {
    operation,
    method: 'POST',
    path: `/v1.0/publish/${segment(pubsub)}/${segment(topic)}`,
    metadata: withRawPayload(options.metadata, options.rawPayload),
    body: JSON.stringify(event),
    contentType: options.contentType ?? 'application/json',
  });
  if (!isSuccess(response.status)) throw failureOf(operation, response);
}

// Direct HTTP instead of @dapr/dapr `client.pubsub.publishBulk`: the SDK matches daprd's
// `failedEntries[].entryId` against `entryID` and finds nothing, so a failed entry is reported
// as published (dapr/js-sdk#703; still so in 3.18.0, see test/sdk-findings.test.ts).
/**
 * Publishes several events in one call. Entries the broker refused are returned in
 * `failedEntryIds` (daprd answers 500 with a `failedEntries` list, for some or all of them);
 * a request daprd rejects as a whole (unknown pub/sub, bad request, no sidecar) throws.
 */
export async function publishBulk(
  connection: SidecarConnection,
  pubsub: string,
  topic: string,
  entries: BulkPublishEntry[],
  options: BulkPublishOptions = {},
): Promise<BulkPublishResult> {
  const waves = inWaves(entries, (entry) => entry.orderKey);
  if (waves.length <= 1) return publishBulkCall(connection, pubsub, topic, entries, options);
  const result: BulkPublishResult = { failedEntryIds: [], errors: {} };
  const failedKeys = new Set<string>();
  for (const wave of waves) {
    const held = wave.filter((entry) => failedKeys.has(entry.orderKey!));
    for (const entry of held) {
      result.failedEntryIds.push(entry.entryId);
      result.errors[entry.entryId] = 'not sent: an earlier entry of its orderKey failed';
    }
    const sending = held.length === 0 ? wave : wave.filter((entry) => !held.includes(entry));
    const { failedEntryIds, errors } = await publishBulkCall(
      connection,
      pubsub,
      topic,
      sending,
      options,
    );
    if (failedEntryIds.length === 0) continue;
    const failed = new Set(failedEntryIds);
    for (const entry of sending) if (failed.has(entry.entryId)) failedKeys.add(entry.orderKey!);
    result.failedEntryIds.push(...failedEntryIds);
    Object.assign(result.errors, errors);
  }
  return result;
}

/**
 * The entries in successive groups, each holding at most one entry per key (the key's first in
 * the first group, its second in the second, ...), each group in the order given. Entries
 * without a key all go in the first.
 */
export function inWaves<T>(entries: T[], keyOf: (entry: T) => string | undefined): T[][] {
  const waves: T[][] = [];
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const key = keyOf(entry);
    const index = key === undefined ? 0 : (seen.get(key) ?? 0);
    if (key !== undefined) seen.set(key, index + 1);
    (waves[index] ??= []).push(entry);
  }
  return waves;
}

async function publishBulkCall(
  connection: SidecarConnection,
  pubsub: string,
  topic: string,
  entries: BulkPublishEntry[],
  options: BulkPublishOptions,
): Promise<BulkPublishResult> {
  if (entries.length === 0) return { failedEntryIds: [], errors: {} };
  const operation = `bulk publish ${pubsub}/${topic}`;
  const source = options.cloudEventSource;
  const now = new Date();
  const response = await callSidecar(connection, {
    operation,
    method: 'POST',
    path: `/v1.0/publish/bulk/${segment(pubsub)}/${segment(topic)}`,
    metadata: withRawPayload(options.metadata, source !== undefined),
    body: JSON.stringify(
      entries.map((entry) => ({
        entryId: entry.entryId,
        ...(source === undefined
          ? { event: eventOf(entry), contentType: 'application/json' }
          : {
              // A string with a text content type is published byte for byte.
              event: cloudEventJson(
                'eventJson' in entry ? entry.eventJson : JSON.stringify(entry.event),
                { source, pubsub, topic },
                { traceId: entry.traceId, now },
              ),
              contentType: 'text/plain',
            }),
        ...(entry.metadata ? { metadata: entry.metadata } : {}),
      })),
    ),
  });
  if (isSuccess(response.status)) return { failedEntryIds: [], errors: {} };
  const failed = parseFailedEntries(response.text);
  if (failed.length === 0) throw failureOf(operation, response);
  const known = new Set(entries.map((entry) => entry.entryId));
  const unknown = failed.filter((entry) => !known.has(entry.entryId));
  if (unknown.length > 0) {
    throw new DaprError(operation, `daprd reported failures for entries it was not sent`, {
      status: response.status,
      body: response.text,
    });
  }
  return {
    failedEntryIds: failed.map((entry) => entry.entryId),
    errors: Object.fromEntries(failed.map((entry) => [entry.entryId, entry.error])),
  };
}

/** The entry's event as a value, for daprd to wrap in its own CloudEvent. */
function eventOf(entry: BulkPublishEntry): unknown {
  return 'eventJson' in entry ? JSON.parse(entry.eventJson) : entry.event;
}

/** daprd's bulk publish failure body: `{"failedEntries":[{"entryId","error"}],"errorCode"}`. */
export function parseFailedEntries(text: string): Array<{ entryId: string; error: string }> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const list = (body as { failedEntries?: unknown } | null)?.failedEntries;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    const { entryId, error } = (item ?? {}) as { entryId?: unknown; error?: unknown };
    return typeof entryId === 'string'
      ? [{ entryId, error: typeof error === 'string' ? error : 'failed' }]
      : [];
  });
}

function withRawPayload(
  metadata: Record<string, string> | undefined,
  rawPayload: boolean | undefined,
): Record<string, string> | undefined {
  return rawPayload ? { ...metadata, rawPayload: 'true' } : metadata;
}
