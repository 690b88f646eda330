import {
  TagList,
  Task,
  TaskList,
  type CreateTaskBody,
  type TaskSort,
  type PatchTaskBody,
  type ReplaceTaskBody,
} from '@taskflow/contracts';
import type { z } from 'zod';
import type { Http } from './http.ts';

/** Optimistic concurrency: the version the caller last saw (sent as `If-Match`). */
export interface WriteOptions {
  ifMatch?: number;
}

/** The `If-Match` header of a write, when the caller named a version. */
export const ifMatch = (options?: WriteOptions): Record<string, string> =>
  options?.ifMatch === undefined ? {} : { 'if-match': `"${options.ifMatch}"` };

/** `GET .../tasks` filters (ListTasksQuery on the server). */
export type TaskListQuery = {
  limit?: number;
  cursor?: string;
  completed?: boolean;
  recurring?: boolean;
  due_before?: string;
  due_after?: string;
  /** Any of these (`none`: without a priority). */
  priority?: Array<1 | 2 | 3 | 4 | 'none'>;
  /** Every one of these. */
  tags?: string[];
  /** Full-text search over title and description. */
  q?: string;
  /** One project's tasks, or `none`: those in no project. */
  project?: string;
  sort?: TaskSort;
  order?: 'asc' | 'desc';
};

/** The list filters as query parameters: lists are comma-separated. */
function listParams({ priority, tags, ...rest }: TaskListQuery) {
  return { ...rest, priority: priority?.join(','), tags: tags?.join(',') };
}

/** The seed's task routes, under `/api/{user_id}`. */
export function tasksApi(http: Http, base: string) {
  return {
    list: (query: TaskListQuery = {}) =>
      http('GET', `${base}/tasks`, TaskList, { query: listParams(query) }),

    /** Every page, newest first, up to `max` tasks. */
    async listAll({ max = 2_000, ...query }: TaskListQuery & { max?: number } = {}) {
      const tasks: Task[] = [];
      let cursor: string | undefined;
      do {
        const page = await http('GET', `${base}/tasks`, TaskList, {
          query: { ...listParams(query), limit: 200, cursor },
        });
        tasks.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && tasks.length < max);
      return tasks.slice(0, max);
    },

    get: (id: string) => http('GET', `${base}/tasks/${id}`, Task),

    /** The user's tags with how many tasks carry each, most used first. */
    tags: () => http('GET', `${base}/tags`, TagList),

    /** With an Idempotency-Key (a fresh one unless given), so a retried create creates once. */
    create: (body: z.input<typeof CreateTaskBody>, { idempotencyKey = crypto.randomUUID() } = {}) =>
      http('POST', `${base}/tasks`, Task, {
        body,
        headers: { 'idempotency-key': idempotencyKey },
      }),

    replace: (id: string, body: z.input<typeof ReplaceTaskBody>, options?: WriteOptions) =>
      http('PUT', `${base}/tasks/${id}`, Task, { body, headers: ifMatch(options) }),

    update: (id: string, body: z.input<typeof PatchTaskBody>, options?: WriteOptions) =>
      http('PATCH', `${base}/tasks/${id}`, Task, { body, headers: ifMatch(options) }),

    complete: (id: string, completed = true, options?: WriteOptions) =>
      http('PATCH', `${base}/tasks/${id}/complete`, Task, {
        body: { completed },
        headers: ifMatch(options),
      }),

    setDueDate: (id: string, dueDate: string | null, options?: WriteOptions) =>
      http('PUT', `${base}/tasks/${id}/due-date`, Task, {
        body: { due_date: dueDate },
        headers: ifMatch(options),
      }),

    remove: (id: string, options?: WriteOptions) =>
      http('DELETE', `${base}/tasks/${id}`, undefined, { headers: ifMatch(options) }),
  };
}
