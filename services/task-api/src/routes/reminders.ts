import {
  CreateReminderBody,
  ErrorBody,
  IdempotencyHeaders,
  PendingReminderList,
  PendingRemindersQuery,
  Reminder,
  ReminderList,
  ReminderPathParams,
  TaskPathParams,
  UserPathParams,
} from '@taskflow/contracts';
import {
  findReminder,
  findTask,
  listPendingReminders,
  taskReminders,
  toPendingReminder,
  toReminder,
  type Database,
} from '@taskflow/db';
import { notFound, type App } from '@taskflow/service-kit';
import { z } from 'zod';
import type { ReminderCommands } from '../reminders/commands.ts';
import { decodeReminderCursor, encodeReminderCursor } from '../reminders/cursor.ts';
import { createdReminderLinks } from './links.ts';
import { idempotencyKey } from '../tasks/http.ts';

const errors = { '4xx': ErrorBody };

/** Reminder endpoints, under `/api/:user_id` (authenticated by the caller's plugin). */
export function reminderRoutes(
  app: App,
  { database, reminders }: { database: Database; reminders: ReminderCommands },
) {
  app.post(
    '/tasks/:id/reminders',
    {
      links: { 201: createdReminderLinks },
      schema: {
        operationId: 'createReminder',
        summary: 'Add a reminder to a task',
        description:
          'Exactly one of `remind_at` (an instant with an offset, in the future) or `minutes_before` (relative to the due date: moves when the due date moves). 409 for a completed task, a second reminder at the same instant, or more than 100. `Idempotency-Key` makes retries safe.',
        params: TaskPathParams,
        headers: IdempotencyHeaders,
        body: CreateReminderBody,
        response: { 201: Reminder, ...errors },
      },
    },
    async (request, reply) => {
      const key = idempotencyKey(request);
      const { user_id, id } = request.params;
      const { remind_at, minutes_before } = request.body;
      const { reminder, replayed } = await reminders.create(
        { userId: user_id },
        id,
        {
          remindAt: remind_at === undefined ? undefined : new Date(remind_at),
          minutesBefore: minutes_before,
        },
        key === undefined
          ? undefined
          : { key, fingerprint: { route: 'reminders', task: id, body: request.body } },
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      reply.header('location', `/api/${user_id}/tasks/${id}/reminders/${reminder.id}`);
      return reply.code(201).send(reminder);
    },
  );

  app.get(
    '/tasks/:id/reminders',
    {
      schema: {
        operationId: 'listReminders',
        summary: "List a task's reminders, earliest first, in every status",
        params: TaskPathParams,
        response: { 200: ReminderList, ...errors },
      },
    },
    async (request) => {
      const { user_id, id } = request.params;
      if (!(await findTask(database.db, user_id, id))) throw notFound('task');
      const rows = await taskReminders(database.db, user_id, id);
      return { items: rows.map(toReminder) };
    },
  );

  app.get(
    '/tasks/:id/reminders/:reminder_id',
    {
      schema: {
        operationId: 'getReminder',
        summary: 'Get one reminder',
        params: ReminderPathParams,
        response: { 200: Reminder, ...errors },
      },
    },
    async (request) => {
      const { user_id, id, reminder_id } = request.params;
      const row = await findReminder(database.db, user_id, id, reminder_id);
      if (!row) throw notFound('reminder');
      return toReminder(row);
    },
  );

  app.delete(
    '/tasks/:id/reminders/:reminder_id',
    {
      schema: {
        operationId: 'deleteReminder',
        summary: 'Delete a reminder',
        description: 'A pending reminder then never fires; a fired or missed one leaves the list.',
        params: ReminderPathParams,
        response: { 204: z.null().describe('deleted'), ...errors },
      },
    },
    async (request, reply) => {
      const { user_id, id, reminder_id } = request.params;
      await reminders.remove({ userId: user_id }, id, reminder_id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/reminders/pending',
    {
      schema: {
        operationId: 'listPendingReminders',
        summary: "The user's reminders across tasks, earliest first",
        description:
          '`status`: `pending` (default: still ahead, or due this very second), `missed` (their time passed while no worker ran, beyond the grace period), or `pending,missed`. Only open tasks. Pass `next_cursor` back as `cursor`.',
        params: UserPathParams,
        querystring: PendingRemindersQuery,
        response: { 200: PendingReminderList, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const rows = await listPendingReminders(database.db, request.params.user_id, {
        statuses: status,
        limit: limit + 1,
        ...(cursor ? { after: decodeReminderCursor(cursor) } : {}),
      });
      const items = rows.slice(0, limit).map(toPendingReminder);
      const last = items.at(-1);
      return {
        items,
        next_cursor: rows.length > limit && last ? encodeReminderCursor(last) : null,
      };
    },
  );
}
