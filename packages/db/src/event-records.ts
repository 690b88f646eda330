// How events travel into `events` as ONE json parameter: internal to packages/db (index.ts does
// not export it), shared by every statement that appends events that way.
import { TOPICS, topicOf, type EventEnvelope } from '@taskflow/contracts';

/** The columns of `events` that an append writes, in the order of EVENT_RECORD. */
export const EVENT_COLUMNS = `event_id, event_type, topic, user_id, aggregate_id,
  aggregate_version, correlation_id, occurred_at, envelope_version, data, audience`;

/** The record type that `json_to_recordset` reads eventRecordsJson's rows as. */
export const EVENT_RECORD = `event_id uuid, event_type text, topic text, user_id text,
  aggregate_id text, aggregate_version integer, correlation_id text, occurred_at timestamptz,
  envelope_version smallint, data jsonb, audience text[]`;

/**
 * The rows of eventRecordsJson as `events` takes them, in EVENT_COLUMNS' order, from `e`. An
 * event on tasks.events about a project's task (its `data.project_id`) that names no audience of
 * its own reaches the project's members as they stand in this statement (a reminder, on
 * reminders.events, stays its setter's): the audience is filled here, where every
 * event is appended, so no writer can forget it. Its writer holds the project
 * (`appendEvents` locks it first), so the members cannot change before the commit.
 */
export const EVENT_VALUES = `e.event_id, e.event_type, e.topic, e.user_id, e.aggregate_id,
  e.aggregate_version, e.correlation_id, e.occurred_at, e.envelope_version, e.data,
  coalesce(e.audience, case when e.topic = '${TOPICS.tasks}' and e.data->>'project_id' is not null then array(
    select m.user_id from project_members m
    where m.project_id = (e.data->>'project_id')::uuid order by m.user_id) end)`;

/** The projects whose members the events reach through EVENT_VALUES. */
export function audienceProjects(envelopes: EventEnvelope[]): string[] {
  const ids = new Set<string>();
  for (const event of envelopes) {
    const projectId = (event.data as { project_id?: unknown }).project_id;
    if (
      !event.audience &&
      topicOf(event.event_type) === TOPICS.tasks &&
      typeof projectId === 'string'
    ) {
      ids.add(projectId);
    }
  }
  return [...ids].sort();
}

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
      audience: event.audience ?? null,
    })),
  );
}
