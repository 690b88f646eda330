// The statements that append to `events`. Not exported from index.ts: only the outbox's unit of
// work (packages/outbox `createOutbox`) imports them, through `@taskflow/db/event-append`, so
// that every event appended is one whose commit wakes the relay. eslint.config.js refuses the
// import anywhere else.
import { sql } from 'drizzle-orm';
import type { EventEnvelope } from '@taskflow/contracts';
import { driverOf, type Executor } from './client.ts';
import {
  audienceProjects,
  EVENT_COLUMNS,
  EVENT_RECORD,
  EVENT_VALUES,
  eventRecordsJson,
} from './event-records.ts';
import { NEW_TASKS, TASK_COLUMNS } from './task-insert.ts';
import type { CreatedTask } from './tasks.ts';

/**
 * Appends events to the outbox / event store, in the transaction of the change. All rows travel
 * as ONE json parameter, unpacked by the server, instead of ten parameters per row: the text is
 * fixed (prepared once per connection), and at 500 events (a reminder-worker claim) it takes
 * about a third of the time of a multi-row VALUES insert.
 */
export async function appendEvents(ex: Executor, envelopes: EventEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  // The projects whose members these events reach, held against membership changes until the
  // commit (in id order, as every writer takes them), in a statement of their own: the append's
  // snapshot then sees the members as they will stand at the commit.
  const projects = audienceProjects(envelopes);
  if (projects.length > 0) {
    await ex.execute(sql`select id from projects
      where id = any(${`{${projects.join(',')}}`}::uuid[]) order by id for share`);
  }
  await ex.execute(sql`insert into events (${sql.raw(EVENT_COLUMNS)})
    select ${sql.raw(EVENT_VALUES)}
    from json_to_recordset(${eventRecordsJson(envelopes)}::json) as e(${sql.raw(EVENT_RECORD)})`);
}

/**
 * Creates the users (first use), the tasks and their events in ONE statement, however many: one
 * round trip, atomic without an explicit transaction. Each task arrives fully built (id, clock,
 * version) so that its event could be built first. Tasks and events travel as two json
 * parameters and the statement's text is fixed, so it is prepared once per connection: this is
 * the hottest write there is, and task-api gathers concurrent creates into one call.
 */
export async function insertTasksWithEvents(ex: Executor, created: CreatedTask[]): Promise<void> {
  if (created.length === 0) return;
  await driverOf(ex).unsafe(INSERT_TASKS_WITH_EVENTS, [
    JSON.stringify(created.map(({ task }) => task)),
    eventRecordsJson(created.map(({ event }) => event)),
  ]);
}

const INSERT_TASKS_WITH_EVENTS = `${NEW_TASKS},
  inserted_tasks as (insert into tasks (${TASK_COLUMNS}) select ${TASK_COLUMNS} from new_tasks)
  insert into events (${EVENT_COLUMNS})
  select ${EVENT_VALUES} from json_to_recordset($2::json) as e(${EVENT_RECORD})`;
