import { randomUUID } from 'node:crypto';

/** Where a CloudEvent built here is going, and who sends it. */
export interface CloudEventTarget {
  /** The CloudEvent `source`: the publishing app's id, as daprd would set it. */
  source: string;
  pubsub: string;
  topic: string;
}

/**
 * The CloudEvent daprd would wrap a JSON event in (same attributes, same `type`, `time` to the
 * second), as JSON text, around `dataJson`, the event's own JSON text. Subscribers' sidecars
 * read it exactly like one daprd built; building it here lets daprd publish it as is
 * (`rawPayload`), without decoding and re-encoding each event.
 *
 * `traceId` puts the event in a W3C trace: a UUID (such as a correlation id) or 32 hex digits.
 * Anything else, or nothing, starts a trace of its own.
 */
export function cloudEventJson(
  dataJson: string,
  target: CloudEventTarget,
  options: { traceId?: string; now?: Date } = {},
): string {
  // Node hands out random UUIDs from a buffer: far cheaper than a randomBytes call per event.
  const id = randomUUID();
  const spanId = id.replaceAll('-', '').slice(16);
  const traceparent = `00-${w3cTraceId(options.traceId)}-${spanId}-01`;
  const attributes = JSON.stringify({
    specversion: '1.0',
    id,
    source: target.source,
    type: 'com.dapr.event.sent',
    datacontenttype: 'application/json',
    time: `${(options.now ?? new Date()).toISOString().slice(0, 19)}Z`,
    topic: target.topic,
    pubsubname: target.pubsub,
    traceid: traceparent,
    traceparent,
    tracestate: '',
  });
  // The data is spliced in as the caller wrote it: an event read from the outbox as text is
  // never parsed and encoded again.
  return `${attributes.slice(0, -1)},"data":${dataJson}}`;
}

/** 32 lowercase hex digits, never all zero (W3C Trace Context), from `candidate` when it can. */
export function w3cTraceId(candidate?: string): string {
  const hex = candidate?.replaceAll('-', '').toLowerCase();
  if (hex && /^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex)) return hex;
  return randomUUID().replaceAll('-', '');
}
