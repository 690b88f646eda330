import {
  ErrorBody,
  IfMatchHeaders,
  ListRecurringQuery,
  RecurringTaskList,
  SetRecurrenceBody,
  Task,
  TaskPathParams,
  UserPathParams,
  type RecurringTask,
} from '@taskflow/contracts';
import { listTasks, toTask, type Database } from '@taskflow/db';
import type { App } from '@taskflow/service-kit';
import { decodeCursor, encodeCursor } from '../tasks/cursor.ts';
import { expectedVersion, withEtag } from '../tasks/http.ts';
import type { RecurrenceCommands } from '../tasks/recurrence.ts';
import { describeStoredSeries } from '../tasks/series-input.ts';
import { actorOf } from './actor.ts';

const errors = { '4xx': ErrorBody };

/** The recurrence endpoints, under `/api/:user_id` (authenticated by the caller's plugin). */
export function recurrenceRoutes(
  app: App,
  { database, recurrence }: { database: Database; recurrence: RecurrenceCommands },
) {
  app.post(
    '/tasks/:id/recurrence',
    {
      schema: {
        operationId: 'setRecurrence',
        summary: 'Make a task a series, or change its rule',
        description:
          'The scheduler then spawns one task per occurrence. `start` defaults to the series start the task already has, else its due date, else now. Send `If-Match: "<version>"` to refuse a stale write (412). A rule or start of the wrong shape, or a zone not in the list, is a 400; a well-formed rule that cannot run (unknown parts, more than 96 occurrences a day, no occurrence after the start, ended before now) is a 422; each names the field and says why.',
        params: TaskPathParams,
        headers: IfMatchHeaders,
        body: SetRecurrenceBody,
        response: { 200: Task, ...errors },
      },
    },
    async (request, reply) => {
      const task = await recurrence.set(
        actorOf(request),
        request.params.id,
        request.body,
        expectedVersion(request),
      );
      return withEtag(reply, task);
    },
  );

  app.delete(
    '/tasks/:id/recurrence',
    {
      schema: {
        operationId: 'stopRecurrence',
        summary: 'Stop a series',
        description:
          'No further instances spawn (`is_recurring` false, `next_occurrence` null); the instances already spawned stay, and the rule is kept as a record. Stopping a task that is no series is answered with the task, unchanged.',
        params: TaskPathParams,
        headers: IfMatchHeaders,
        response: { 200: Task, ...errors },
      },
    },
    async (request, reply) => {
      const task = await recurrence.stop(
        actorOf(request),
        request.params.id,
        expectedVersion(request),
      );
      return withEtag(reply, task);
    },
  );

  app.get(
    '/tasks/recurring',
    {
      schema: {
        operationId: 'listRecurring',
        summary: "List the user's live series, newest first",
        description:
          'Each with its next occurrence, its rule in words and its status. Stopped and finished series are not listed (they are ordinary tasks with `is_recurring` false).',
        params: UserPathParams,
        querystring: ListRecurringQuery,
        response: { 200: RecurringTaskList, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listTasks(database.db, request.params.user_id, {
        limit: limit + 1,
        recurring: true,
        ...(cursor ? { after: decodeCursor(cursor) } : {}),
      });
      const items = rows.slice(0, limit).map(({ row }): RecurringTask => {
        const task = toTask(row);
        return {
          ...task,
          rule_description: describeStoredSeries(task),
          series_status: task.next_occurrence === null ? 'awaiting_completion' : 'scheduled',
        };
      });
      const last = rows[limit - 1];
      const more = rows.length > limit && last;
      return { items, next_cursor: more ? encodeCursor(last.key, last.row.id) : null };
    },
  );
}
