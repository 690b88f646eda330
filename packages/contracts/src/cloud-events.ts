import { z } from 'zod';
import { Instant } from './common.ts';

/** The CloudEvent `type` of everything taskflow publishes: the one daprd itself would set. */
export const DAPR_EVENT_TYPE = 'com.dapr.event.sent';

/** W3C Trace Context `traceparent`, version 00: trace id, span id, flags. */
const TraceParent = z
  .string()
  .regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, 'must be a W3C traceparent (version 00)');

/**
 * The attributes of the CloudEvent (structured mode, JSON) around every event on a topic, as
 * packages/dapr's `cloudEventJson` writes them and daprd passes them on: what a subscriber
 * reads from the broker. Loose: a sidecar or a broker may add attributes of its own.
 */
export const CloudEventAttributes = z.looseObject({
  specversion: z.literal('1.0'),
  /** The message's id; not the event's: deduplicate on the event's `event_id`. */
  id: z.string().min(1),
  /** The publishing app's Dapr app id. */
  source: z.string().min(1),
  type: z.literal(DAPR_EVENT_TYPE),
  datacontenttype: z.literal('application/json'),
  /** When it was published, to the second. */
  time: Instant,
  topic: z.string().min(1),
  pubsubname: z.string().min(1),
  /** The event's correlation id as the W3C trace id, when it is one (a UUID or 32 hex digits). */
  traceparent: TraceParent,
  /** The same as `traceparent` (Dapr's older attribute). */
  traceid: TraceParent,
  tracestate: z.string(),
});

/** A CloudEvent carrying `data`. */
export function cloudEventOf<T extends z.ZodType>(data: T) {
  return CloudEventAttributes.extend({ data });
}

/**
 * A message on `events.deadletter`: the CloudEvent as it was delivered, with the reason it can
 * never be processed. Only its `id` is certain: `data` is whatever failed the subscriber's
 * schema, and the message may not have been one of taskflow's.
 */
export const DeadLetterCloudEvent = z.looseObject({
  id: z.string().min(1),
  /** One dead-letter topic takes both topics' letters: this says which one a letter came from. */
  topic: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The topic it was delivered from, with the namespace if any (`tasks.events`, `dev.reminders.events`)',
    ),
  data: z.unknown().optional(),
  /** Why it was dead-lettered (set by packages/dapr; absent when daprd itself forwarded it). */
  deadletterreason: z.string().optional(),
});
export type DeadLetterCloudEvent = z.infer<typeof DeadLetterCloudEvent>;
