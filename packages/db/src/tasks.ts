import { and, eq, gt, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { EventEnvelope, ProjectRole, Task } from '@taskflow/contracts';
import { projectMembers, tasks } from './schema.ts';
import { projectRole, userProjectIds } from './projects.ts';
import { driverOf, type Executor } from './client.ts';
import { taskColumns, type TaskRow } from './rows.ts';
import { NEW_TASKS, TASK_COLUMNS } from './task-insert.ts';
import { textArray } from './sql-arrays.ts';

/** A task as it is born, with its `task.created` event. */
export interface CreatedTask {
  task: Task;
  event: EventEnvelope;
}

/**
 * Creates the users (first use) and the tasks in ONE statement, without their events: for a
 * create inside the outbox's unit of work (`outbox.commit`), which appends the events it emits.
 * The creates that need no transaction of their own go through `outbox.createTasks`, whose one
 * statement writes the events too.
 */
export async function insertTasks(ex: Executor, created: Task[]): Promise<void> {
  if (created.length === 0) return;
  await driverOf(ex).unsafe(INSERT_TASKS, [JSON.stringify(created)]);
}

const INSERT_TASKS = `${NEW_TASKS}
  insert into tasks (${TASK_COLUMNS}) select ${TASK_COLUMNS} from new_tasks`;

/** A task the user may see, and what they may do with it: their own is theirs (`owner`). */
export interface TaskAccess {
  row: TaskRow;
  role: ProjectRole;
}

/**
 * The task if the user may see it: their own task in no project, or any task of a project they
 * are a member of (whoever created it). Anything else is reported as missing.
 */
export async function taskAccess(
  ex: Executor,
  userId: string,
  id: string,
): Promise<TaskAccess | undefined> {
  const [found] = await ex
    .select({ ...taskColumns, memberRole: projectMembers.role })
    .from(tasks)
    .leftJoin(
      projectMembers,
      and(eq(projectMembers.projectId, tasks.projectId), eq(projectMembers.userId, userId)),
    )
    .where(
      and(
        eq(tasks.id, id),
        or(
          and(isNull(tasks.projectId), eq(tasks.userId, userId)),
          isNotNull(projectMembers.userId),
        ),
      ),
    );
  if (!found) return undefined;
  const { memberRole, ...row } = found;
  return { row, role: (memberRole ?? 'owner') as ProjectRole };
}

/**
 * `taskAccess` with the task locked until the transaction ends, and, for a project's task, the
 * project held against membership changes first (`projectRole(..., 'share')`): the role is the
 * one at commit, and so are the members its events reach. A task moved between the look and the
 * lock is looked at again.
 */
export async function lockTaskAccess(
  ex: Executor,
  userId: string,
  id: string,
): Promise<TaskAccess | undefined> {
  const lock = (where: SQL | undefined) =>
    ex
      .select(taskColumns)
      .from(tasks)
      .where(and(eq(tasks.id, id), where))
      .for('update');
  for (let attempt = 0; attempt < 3; attempt++) {
    // The common case first, in one statement as before projects: the user's own private task.
    const [own] = await lock(and(isNull(tasks.projectId), eq(tasks.userId, userId)));
    if (own) return { row: own, role: 'owner' };
    const seen = await taskAccess(ex, userId, id);
    const projectId = seen?.row.projectId;
    if (!projectId) return undefined;
    const role = await projectRole(ex, projectId, userId, 'share');
    if (!role) return undefined;
    const [row] = await lock(eq(tasks.projectId, projectId));
    if (row) return { row, role };
  }
  return undefined;
}

/** The task if the user may see it; `forUpdate` locks it as `lockTaskAccess` does. */
export async function findTask(
  ex: Executor,
  userId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<TaskRow | undefined> {
  const access = await (options.forUpdate ? lockTaskAccess : taskAccess)(ex, userId, id);
  return access?.row;
}

/**
 * Which tasks a list or a count reads: the user's own in no project, and those of the projects
 * they are a member of; `project` narrows it to one project (which must be theirs) or to `none`.
 */
async function visibleTasks(
  ex: Executor,
  userId: string,
  project: string | undefined,
): Promise<SQL | undefined> {
  const own = and(eq(tasks.userId, userId), isNull(tasks.projectId));
  if (project === 'none') return own;
  const projectIds = await userProjectIds(ex, userId);
  if (project !== undefined) {
    return projectIds.includes(project) ? eq(tasks.projectId, project) : sql`false`;
  }
  // The common case (no projects) keeps the plain condition, and with it the user's indexes.
  return projectIds.length === 0 ? own : or(own, inArray(tasks.projectId, projectIds));
}

export type TaskSortKey = 'created_at' | 'updated_at' | 'due_date' | 'priority' | 'relevance';

export interface TaskFilter {
  completed?: boolean;
  recurring?: boolean;
  dueBefore?: Date;
  dueAfter?: Date;
  /** Any of these priorities; null stands for "none". */
  priorities?: Array<number | null>;
  /** Every one of these tags (normalised). */
  tags?: string[];
  /** Web search syntax over title and description, in the search language. */
  search?: string;
  /** One project's tasks (the user must be a member), or `none`: those in no project. */
  project?: string;
  /** Default: created_at, descending. */
  sort?: TaskSortKey;
  direction?: 'asc' | 'desc';
  /** Keyset position: what comes after the task with this sort key (null: none) and id. */
  after?: { key: number | null; id: string };
  limit: number;
}

/** A listed task with its sort key as a number: epoch ms, the priority, or the scaled rank. */
export interface ListedTask {
  row: TaskRow;
  key: number | null;
}

// ts_rank with normalisation 32 (rank / (rank + 1)) lies in [0, 1); scaled to an integer so that
// a cursor holds it exactly and the next page's comparison is exact too.
const RANK_SCALE = 1_000_000_000;

/**
 * The user's tasks in the asked order, ties broken by id in the same direction. Tasks without
 * the sort field (no due date, no priority) come last in either direction.
 */
export async function listTasks(
  ex: Executor,
  userId: string,
  filter: TaskFilter,
): Promise<ListedTask[]> {
  const conditions: (SQL | undefined)[] = [await visibleTasks(ex, userId, filter.project)];
  if (filter.completed !== undefined) conditions.push(eq(tasks.completed, filter.completed));
  if (filter.recurring !== undefined) conditions.push(eq(tasks.isRecurring, filter.recurring));
  if (filter.dueBefore) conditions.push(lt(tasks.dueDate, filter.dueBefore));
  if (filter.dueAfter) conditions.push(gt(tasks.dueDate, filter.dueAfter));
  if (filter.priorities) {
    const values = filter.priorities.filter((p): p is number => p !== null);
    conditions.push(
      or(
        values.length > 0 ? inArray(tasks.priority, values) : undefined,
        filter.priorities.includes(null) ? isNull(tasks.priority) : undefined,
      ),
    );
  }
  if (filter.tags && filter.tags.length > 0) {
    conditions.push(sql`${tasks.tags} @> ${textArray(filter.tags)}`);
  }
  const query = filter.search
    ? sql`websearch_to_tsquery(search_language(), ${filter.search})`
    : undefined;
  if (query) conditions.push(sql`${tasks.search} @@ ${query}`);

  const { sort = 'created_at', direction: order = 'desc' } = filter;
  const { expression, nullable, param } = sortColumn(sort, query);
  const desc = order === 'desc';
  if (filter.after) {
    const { key, id } = filter.after;
    const beyond = desc ? sql`<` : sql`>`;
    const idBeyond = sql`${tasks.id} ${beyond} ${id}`;
    if (key === null) {
      conditions.push(nullable ? and(isNull(expression), idBeyond) : sql`false`);
    } else {
      const value = param(key);
      conditions.push(
        or(
          sql`${expression} ${beyond} ${value}`,
          and(sql`${expression} = ${value}`, idBeyond),
          nullable ? isNull(expression) : undefined,
        ),
      );
    }
  }
  const direction = desc ? sql`desc` : sql`asc`;
  const rows = await ex
    .select({ ...taskColumns, sortKey: sql<string | number | null>`${expression}`.as('sort_key') })
    .from(tasks)
    .where(and(...conditions))
    .orderBy(sql`${expression} ${direction} nulls last`, sql`${tasks.id} ${direction}`)
    .limit(filter.limit);
  return rows.map(({ sortKey, ...row }) => ({ row, key: keyOf(sort, row, sortKey) }));
}

/**
 * The sort's expression, whether tasks may lack it, and a cursor key as a parameter to compare
 * it with (instants through their column's codec: years before 100, 1 BC and so on).
 */
function sortColumn(sort: TaskSortKey, query: SQL | undefined) {
  const instant = (column: typeof tasks.createdAt | typeof tasks.dueDate, nullable: boolean) => ({
    expression: column,
    nullable,
    param: (key: number) => sql.param(new Date(key), column),
  });
  const number = (expression: SQL | typeof tasks.priority, nullable: boolean) => ({
    expression,
    nullable,
    // bigint: a cursor's key may lie beyond the column's type (a priority of 99999).
    param: (key: number) => sql`${key}::bigint`,
  });
  switch (sort) {
    case 'created_at':
      return instant(tasks.createdAt, false);
    case 'updated_at':
      return instant(tasks.updatedAt, false);
    case 'due_date':
      return instant(tasks.dueDate, true);
    case 'priority':
      return number(tasks.priority, true);
    case 'relevance':
      return number(
        sql`(ts_rank(${tasks.search}, ${query ?? sql`''::tsquery`}, 32) * ${RANK_SCALE})::bigint`,
        false,
      );
  }
}

function keyOf(sort: TaskSortKey, row: TaskRow, sortKey: string | number | null): number | null {
  switch (sort) {
    case 'created_at':
      return row.createdAt.getTime();
    case 'updated_at':
      return row.updatedAt.getTime();
    case 'due_date':
      return row.dueDate?.getTime() ?? null;
    case 'priority':
      return row.priority;
    case 'relevance':
      return Number(sortKey);
  }
}

/** How many of the user's tasks carry each tag (and how many of those are open). */
export type TagCount = {
  name: string;
  count: number;
  open: number;
};

/** The tags of the tasks the user sees, most used first, then by name; at most `limit`. */
export async function tagCounts(
  ex: Executor,
  userId: string,
  limit: number,
  project?: string,
): Promise<TagCount[]> {
  return ex.execute<TagCount>(sql`
    select tag as name, count(*)::int as count,
      (count(*) filter (where not ${tasks.completed}))::int as open
    from ${tasks}, unnest(${tasks.tags}) as tag
    where ${await visibleTasks(ex, userId, project)}
    group by tag
    order by count desc, name
    limit ${limit}`);
}

/** The editable fields of a task; `undefined` leaves a field as it is. */
export interface TaskChanges {
  title?: string;
  description?: string | null;
  dueDate?: Date | null;
  completed?: boolean;
  priority?: number | null;
  /** Normalised (contracts' `Tags`). */
  tags?: string[];
  /** Its project, or null for none (the caller checked both ends of the move). */
  projectId?: string | null;
}

/**
 * Applies the changes and bumps the version. Completing stamps `completed_at`, reopening clears
 * it. The caller has checked ownership and version under a lock (`findTask(..., forUpdate)`).
 */
export async function updateTask(ex: Executor, id: string, changes: TaskChanges): Promise<TaskRow> {
  const [row] = await ex
    .update(tasks)
    .set({
      title: changes.title,
      description: changes.description,
      dueDate: changes.dueDate,
      completed: changes.completed,
      priority: changes.priority,
      tags: changes.tags,
      projectId: changes.projectId,
      completedAt:
        changes.completed === undefined ? undefined : changes.completed ? sql`now()` : null,
      version: sql`${tasks.version} + 1`,
      updatedAt: sql`now()`,
    })
    .where(eq(tasks.id, id))
    .returning(taskColumns);
  return row!;
}

/** Deletes the task; returns it as it stood, with the deletion's version. */
export async function deleteTask(ex: Executor, id: string): Promise<TaskRow> {
  const [row] = await ex.delete(tasks).where(eq(tasks.id, id)).returning(taskColumns);
  return { ...row!, version: row!.version + 1, updatedAt: new Date() };
}
