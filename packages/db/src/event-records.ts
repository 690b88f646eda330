// How events travel into `events` as ONE json parameter: internal to packages/db (index.ts does
// not export it), shared by every statement that appends events that way.
import { topicOf, type EventEnvelope } from '@taskflow/contracts';

/** The columns of `events` that an append writes, in the order of EVENT_RECORD. */
export const EVENT_COLUMNS = `event_id, event_type, topic, user_id, aggregate_id,
  aggregate_version, correlation_id, occurred_at, envelope_version, data`;

/** The record type that `json_to_recordset` reads eventRecordsJson's rows as. */
export const EVENT_RECORD = `event_id uuid, event_type text, topic text, user_id text,
  aggregate_id text, aggregate_version integer, correlation_id text, occurred_at timestamptz,
  envelope_version smallint, data jsonb`;

/** Envelopes as a JSON array of `events` rows, for one parameter read with EVENT_RECORD. */
export function eventRecordsJson(envelopes: EventEnvelope[]): string {
  return JSON.stringify(
    envelopes.map((event) => ({
      event_id: event.event_id,
      event_type: event.event_type,
      topic: topicOf(event.event_type),
      user_id: event.user_id,
      aggregate_id: event.aggregate_id,
      aggregate_version: event.aggregate_version,
      correlation_id: event.correlation_id,
      occurred_at: event.timestamp,
      envelope_version: event.version,
      data: event.data,
    })),
  );
}
