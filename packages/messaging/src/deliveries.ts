import { z } from 'zod';

/**
 * What a subscription handler answers for one message; the transport acts on it: SUCCESS
 * acknowledges, RETRY delivers again (then dead-letters), DROP dead-letters at once.
 */
export type DeliveryStatus = 'SUCCESS' | 'RETRY' | 'DROP';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['SUCCESS', 'RETRY', 'DROP'];

/**
 * One delivered message, whatever carried it: a daprd delivery (single, or an entry of a bulk
 * one), a Kafka record, or the in-process bus. On the wire it is always a CloudEvent.
 */
export interface DeliveredMessage {
  /** The CloudEvent id (daprd's, or the publisher's for a forwarded CloudEvent). */
  id: string;
  topic: string;
  pubsub: string;
  /** The CloudEvent `time`: when it was published (second precision). */
  publishedAt: Date | undefined;
  /** The payload the publisher sent, still unchecked. */
  data: unknown;
  /** The whole CloudEvent, to dead-letter it unchanged; undefined for a raw payload. */
  cloudEvent: Record<string, unknown> | undefined;
}

const CloudEvent = z.looseObject({
  id: z.string(),
  topic: z.string().optional(),
  pubsubname: z.string().optional(),
  time: z.string().optional(),
  data: z.unknown().optional(),
  data_base64: z.string().optional(),
});

/**
 * Reads one delivered message: a CloudEvent object (the normal case), or the base64 string
 * daprd sends for a rawPayload subscription. `where` fills in topic and pub/sub when the event
 * does not say. Returns a reason instead when it is not a message at all.
 */
export function readMessage(
  event: unknown,
  where: { topic: string; pubsub: string; fallbackId: string },
): DeliveredMessage | { unreadable: string } {
  if (typeof event === 'string') {
    const data = decodeBase64Json(event);
    if (data === undefined) return { unreadable: 'raw payload is not base64-encoded JSON' };
    return {
      id: where.fallbackId,
      topic: where.topic,
      pubsub: where.pubsub,
      publishedAt: undefined,
      data: data.value,
      cloudEvent: undefined,
    };
  }
  const parsed = CloudEvent.safeParse(event);
  if (!parsed.success) return { unreadable: 'not a CloudEvent (no string id)' };
  const cloudEvent = parsed.data;
  let data: unknown = cloudEvent.data;
  if (data === undefined && cloudEvent.data_base64 !== undefined) {
    const decoded = decodeBase64Json(cloudEvent.data_base64);
    if (decoded === undefined) return { unreadable: 'data_base64 is not base64-encoded JSON' };
    data = decoded.value;
  }
  const time = cloudEvent.time === undefined ? Number.NaN : Date.parse(cloudEvent.time);
  return {
    id: cloudEvent.id,
    topic: cloudEvent.topic ?? where.topic,
    // The subscriber's component when daprd says it: the CloudEvent's `pubsubname` is the
    // publisher's, which this sidecar may not load (ws-notifier reads through taskflow-fanout),
    // and dead-lettering must publish through a component this sidecar has.
    pubsub: where.pubsub !== 'unknown' ? where.pubsub : (cloudEvent.pubsubname ?? where.pubsub),
    publishedAt: Number.isNaN(time) ? undefined : new Date(time),
    data,
    cloudEvent: event as Record<string, unknown>,
  };
}

/**
 * Whether a message was published before `cutoff`. CloudEvent times have whole seconds, so a
 * message stamped in the cutoff's own second counts as not before it (never skip too much).
 */
export function publishedBefore(message: DeliveredMessage, cutoff: Date): boolean {
  if (message.publishedAt === undefined) return false;
  const cutoffSecond = Math.floor(cutoff.getTime() / 1000) * 1000;
  return message.publishedAt.getTime() < cutoffSecond;
}

/** A short, log- and header-friendly account of why a payload failed its schema. */
export function describeIssues(error: z.ZodError, max = 400): string {
  const text = error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function decodeBase64Json(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(Buffer.from(text, 'base64').toString('utf8')) };
  } catch {
    return undefined;
  }
}
