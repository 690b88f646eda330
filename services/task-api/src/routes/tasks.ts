import type { IncomingHttpHeaders } from 'node:http';
import {
  CompleteTaskBody,
  CreateTaskBody,
  DueDateBody,
  ErrorBody,
  IdempotencyHeaders,
  IfMatchHeaders,
  ListTasksQuery,
  PatchTaskBody,
  ReplaceTaskBody,
  TAG_LIST_MAX,
  TagList,
  Task,
  TaskList,
  TaskPathParams,
  UserPathParams,
} from '@taskflow/contracts';
import {
  findTask,
  listTasks,
  tagCounts,
  toTask,
  type Database,
  type TaskChanges,
} from '@taskflow/db';
import { AppError, notFound, type App } from '@taskflow/service-kit';
import { z } from 'zod';
import type { TaskCommands } from '../tasks/commands.ts';
import { decodeCursor, encodeCursor } from '../tasks/cursor.ts';
import { expectedVersion, idempotencyKey, withEtag } from '../tasks/http.ts';
import { planSeries } from '../tasks/series-input.ts';
import { createdTaskLinks } from './links.ts';
import { requireProjectRole } from '../projects/access.ts';
import { actorOf } from './actor.ts';

const errors = { '4xx': ErrorBody };
const date = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : new Date(value);

/** The seed's task endpoints, under `/api/:user_id` (authenticated by the caller's plugin). */
export function taskRoutes(
  app: App,
  { database, commands }: { database: Database; commands: TaskCommands },
) {
  const requireMember = (userId: string, projectId: string) =>
    database.transaction((tx) => requireProjectRole(tx, projectId, userId, 'viewer', 'share'));

  app.post(
    '/tasks',
    {
      links: { 201: createdTaskLinks },
      schema: {
        operationId: 'createTask',
        summary: 'Create a task',
        description:
          'Send `Idempotency-Key` to make retries safe: a repeat returns the first result. With `recurrence` the task is created as a series (see `POST .../tasks/{id}/recurrence`; `start` defaults to `due_date`, else now).',
        params: UserPathParams,
        headers: IdempotencyHeaders,
        body: CreateTaskBody,
        response: { 201: Task, ...errors },
      },
    },
    async (request, reply) => {
      const key = idempotencyKey(request);
      const { title, description, due_date, recurrence, priority, tags, project_id } = request.body;
      const dueDate = date(due_date) ?? null;
      const now = new Date();
      const series =
        recurrence &&
        planSeries(recurrence, { defaultStart: dueDate ?? now, now, pathPrefix: 'recurrence.' });
      const { task, replayed } = await commands.create(
        actorOf(request),
        {
          title,
          description: description ?? null,
          dueDate,
          priority: priority ?? null,
          tags: tags ?? [],
          projectId: project_id ?? null,
          series,
        },
        key === undefined ? undefined : { key, fingerprint: request.body },
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      reply.code(201).header('location', `/api/${request.params.user_id}/tasks/${task.id}`);
      return withEtag(reply, task);
    },
  );

  app.get(
    '/tasks',
    {
      schema: {
        operationId: 'listTasks',
        summary: "List the user's tasks and those of their projects",
        description:
          'The caller\u2019s own tasks in no project and every task of the projects they are a member of (`project` narrows it: a project\u2019s id, 404 when not theirs, or `none`). Newest first unless `sort` says otherwise; filters combine with AND. `q` searches title and description (full text, in the search language), ranked by relevance unless `sort` is given.',
        params: UserPathParams,
        querystring: ListTasksQuery,
        response: { 200: TaskList, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, completed, recurring, due_before, due_after, q, project } =
        request.query;
      // Not a schema rule: OpenAPI cannot state that one parameter needs another.
      if (request.query.sort === 'relevance' && !q) {
        throw new AppError('unprocessable', '`sort=relevance` needs `q`', [
          { location: 'query', path: 'sort', message: '`sort=relevance` needs `q`' },
        ]);
      }
      if (project && project !== 'none') await requireMember(request.params.user_id, project);
      const sort = request.query.sort ?? (q ? 'relevance' : 'created_at');
      const rows = await listTasks(database.db, request.params.user_id, {
        limit: limit + 1,
        sort,
        direction: request.query.order ?? (sort === 'due_date' ? 'asc' : 'desc'),
        ...(cursor ? { after: decodeCursor(cursor) } : {}),
        ...(completed !== undefined ? { completed } : {}),
        ...(recurring !== undefined ? { recurring } : {}),
        ...(due_before ? { dueBefore: new Date(due_before) } : {}),
        ...(due_after ? { dueAfter: new Date(due_after) } : {}),
        ...(request.query.priority ? { priorities: request.query.priority } : {}),
        ...(request.query.tags ? { tags: request.query.tags } : {}),
        ...(q ? { search: q } : {}),
        ...(request.query.project ? { project: request.query.project } : {}),
      });
      const items = rows.slice(0, limit).map(({ row }) => toTask(row));
      const last = rows[limit - 1];
      const more = rows.length > limit && last;
      return { items, next_cursor: more ? encodeCursor(last.key, last.row.id) : null };
    },
  );

  app.get(
    '/tags',
    {
      schema: {
        operationId: 'listTags',
        summary: "List the user's tags, most used first",
        description: `Each tag the tasks the user sees (their own and their projects') carry, with how many tasks carry it and how many of those are open; ties by name. At most ${TAG_LIST_MAX}.`,
        params: UserPathParams,
        response: { 200: TagList, ...errors },
      },
    },
    async (request) => ({
      items: await tagCounts(database.db, request.params.user_id, TAG_LIST_MAX),
    }),
  );

  app.get(
    '/tasks/:id',
    {
      schema: {
        operationId: 'getTask',
        summary: 'Get one task',
        params: TaskPathParams,
        response: { 200: Task, ...errors },
      },
    },
    async (request, reply) => {
      const row = await findTask(database.db, request.params.user_id, request.params.id);
      if (!row) throw notFound('task');
      return withEtag(reply, toTask(row));
    },
  );

  // Both edits share one path: what changes, under an optional If-Match version check.
  const edit = (
    request: Parameters<typeof actorOf>[0] & {
      params: { id: string };
      headers: IncomingHttpHeaders;
    },
    changes: TaskChanges,
  ) => commands.change(actorOf(request), request.params.id, changes, expectedVersion(request));

  app.put(
    '/tasks/:id',
    {
      schema: {
        operationId: 'replaceTask',
        summary: 'Replace a task',
        description:
          'Replaces title, description, due date, priority and tags (left out = cleared). `completed` and `project_id` are optional and unchanged when left out. Send `If-Match: "<version>"` to refuse a stale write (412).',
        params: TaskPathParams,
        headers: IfMatchHeaders,
        body: ReplaceTaskBody,
        response: { 200: Task, ...errors },
      },
    },
    async (request, reply) => {
      const { title, description, due_date, completed, priority, tags, project_id } = request.body;
      const task = await edit(request, {
        title,
        description: description ?? null,
        dueDate: date(due_date) ?? null,
        completed,
        priority: priority ?? null,
        tags: tags ?? [],
        projectId: project_id,
      });
      return withEtag(reply, task);
    },
  );

  app.patch(
    '/tasks/:id',
    {
      schema: {
        operationId: 'patchTask',
        summary: 'Change some fields of a task',
        params: TaskPathParams,
        headers: IfMatchHeaders,
        body: PatchTaskBody,
        response: { 200: Task, ...errors },
      },
    },
    async (request, reply) => {
      const { title, description, due_date, completed, priority, tags, project_id } = request.body;
      return withEtag(
        reply,
        await edit(request, {
          title,
          description,
          dueDate: date(due_date),
          completed,
          priority,
          tags,
          projectId: project_id,
        }),
      );
    },
  );

  app.patch(
    '/tasks/:id/complete',
    {
      schema: {
        operationId: 'completeTask',
        summary: 'Complete a task',
        description: 'No body completes it; `{"completed": false}` reopens it.',
        params: TaskPathParams,
        headers: IfMatchHeaders,
        body: CompleteTaskBody.nullish(),
        response: { 200: Task, ...errors },
      },
    },
    async (request, reply) => {
      const completed = request.body?.completed ?? true;
      return withEtag(reply, await edit(request, { completed }));
    },
  );

  app.put(
    '/tasks/:id/due-date',
    {
      schema: {
        operationId: 'setDueDate',
        summary: "Set or clear a task's due date",
        params: TaskPathParams,
        headers: IfMatchHeaders,
        body: DueDateBody,
        response: { 200: Task, ...errors },
      },
    },
    async (request, reply) => {
      return withEtag(reply, await edit(request, { dueDate: date(request.body.due_date) ?? null }));
    },
  );

  app.delete(
    '/tasks/:id',
    {
      schema: {
        operationId: 'deleteTask',
        summary: 'Delete a task',
        params: TaskPathParams,
        headers: IfMatchHeaders,
        response: { 204: z.null().describe('deleted'), ...errors },
      },
    },
    async (request, reply) => {
      await commands.remove(actorOf(request), request.params.id, expectedVersion(request));
      return reply.code(204).send(null);
    },
  );
}
