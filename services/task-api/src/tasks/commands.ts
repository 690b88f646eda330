import { createHash, randomUUID } from 'node:crypto';
import { freshTask, makeEvent, type Task } from '@taskflow/contracts';
import {
  claimIdempotencyKey,
  deleteTask,
  deleteUnseenReminders,
  insertTasks,
  isDatabaseUnavailable,
  lockTaskAccess,
  projectMemberIds,
  recordIdempotentResponse,
  toTask,
  updateTask,
  type CreatedTask,
  type SeriesColumns,
  type TaskChanges,
  type TaskRow,
  type Tx,
} from '@taskflow/db';
import type { Outbox } from '@taskflow/outbox';
import { AppError, coalesce, notFound } from '@taskflow/service-kit';
import { seriesFields } from './series-input.ts';
import { followDueDate } from '../reminders/shift.ts';
import { requireProjectRole, requireProjectRoles } from '../projects/access.ts';

/** Who asks for a change, and the correlation id its events will carry. */
export interface Actor {
  userId: string;
  correlationId: string;
}

export interface IdempotentRequest {
  key: string;
  /** Anything that identifies the request's content; a reused key must come with the same. */
  fingerprint: unknown;
}

export type CreateResult = { task: Task; replayed: boolean };

export interface NewTaskFields {
  title: string;
  description: string | null;
  dueDate: Date | null;
  priority: number | null;
  /** Normalised (contracts' `Tags`). */
  tags: string[];
  /** The project to create it in (the actor must be its owner or editor), or null. */
  projectId: string | null;
  /** Set when the task is created as a series (already checked: see series-input.ts). */
  series?: SeriesColumns | undefined;
}

/** A task as it is born: version 1, open, one-off unless created as a series. */
function newTask(userId: string, fields: NewTaskFields, now: Date): Task {
  return {
    ...freshTask({ id: randomUUID(), user_id: userId, title: fields.title }, now.toISOString()),
    description: fields.description,
    due_date: fields.dueDate?.toISOString() ?? null,
    priority: fields.priority,
    tags: fields.tags,
    project_id: fields.projectId,
    ...seriesFields(fields.series),
  };
}

/**
 * An event about a task: keyed by its creator (`user_id`, its partition key whoever changed it),
 * carried by the actor's correlation id. Its audience is the task's project's members, filled in
 * as it is appended, unless a move names its own.
 */
export function taskEvent(
  type: 'task.created' | 'task.updated' | 'task.completed' | 'task.deleted',
  task: Task,
  actor: Actor,
  audience?: string[],
) {
  return makeEvent(type, task, task, { ...actor, userId: task.user_id, audience });
}

/** The most creates one statement carries (at the longest descriptions, about 2 MB of parameters). */
const CREATE_BATCH_MAX = 100;

export interface TaskCommandHooks {
  /** Called with the number of creates in each statement that wrote some. */
  createsWritten?: (count: number) => void;
}

/**
 * Each command is one unit of work of the outbox: the change, its event, and (for POST) the
 * idempotency record commit together or not at all, and the commit wakes the relay.
 */
export function taskCommands(outbox: Outbox, { createsWritten = () => {} }: TaskCommandHooks = {}) {
  // Concurrent creates share one statement: Postgres pays its per-statement cost (protocol,
  // executor, commit) once per batch instead of once per task, and task-api sends one message.
  // One batch at a time: the creates arriving meanwhile form the next (docs/benchmarks.md).
  // A batch that lost its connection is not run again create by create: it may have committed,
  // and each of its requests answers 503 as a lone create would.
  const insertCreated = coalesce(
    async (created: CreatedTask[]) => {
      await outbox.createTasks(created);
      createsWritten(created.length);
    },
    {
      maxBatch: CREATE_BATCH_MAX,
      concurrency: 1,
      retryAlone: (error) => !isDatabaseUnavailable(error),
    },
  );
  // Creates in projects batch the same way, in one transaction per batch: the creators' roles
  // checked and their projects held in two statements, then one insert and one append. A refusal
  // fails the batch, whose creates then run alone, each with its own answer.
  const insertInProjects = coalesce(
    (created: Array<CreatedTask & { projectId: string }>) =>
      outbox.commit(async (tx, emit) => {
        const pairs = created.map(({ projectId, task }) => ({ projectId, userId: task.user_id }));
        await requireProjectRoles(tx, pairs, 'editor');
        await insertTasks(
          tx,
          created.map(({ task }) => task),
        );
        emit(...created.map(({ event }) => event));
        createsWritten(created.length);
      }),
    {
      maxBatch: CREATE_BATCH_MAX,
      concurrency: 1,
      retryAlone: (error) => !isDatabaseUnavailable(error),
    },
  );
  return {
    async create(
      actor: Actor,
      fields: NewTaskFields,
      idempotency?: IdempotentRequest,
    ): Promise<CreateResult> {
      const now = new Date();
      const task = newTask(actor.userId, fields, now);
      const created = makeEvent('task.created', task, task, { ...actor, at: now });
      // The common case shares a statement with the creates beside it; an Idempotency-Key needs
      // its claim in the same transaction, so that a retry can never create twice, and a
      // project its role checked and held until the commit.
      if (!idempotency) {
        if (fields.projectId) {
          await insertInProjects({ task, event: created, projectId: fields.projectId });
        } else {
          await insertCreated({ task, event: created });
        }
        return { task, replayed: false };
      }
      return outbox.commit(async (tx, emit) => {
        if (fields.projectId)
          await requireProjectRole(tx, fields.projectId, actor.userId, 'editor');
        const hash = fingerprintOf(idempotency.fingerprint);
        const claim = await claimIdempotencyKey(tx, actor.userId, idempotency.key, hash);
        if (claim.outcome === 'replay') return { task: claim.response as Task, replayed: true };
        if (claim.outcome === 'mismatch') {
          throw new AppError(
            'idempotency_key_reused',
            'this Idempotency-Key was used for a different request',
          );
        }
        await insertTasks(tx, [task]);
        emit(created);
        await recordIdempotentResponse(tx, actor.userId, idempotency.key, 201, task);
        return { task, replayed: false };
      });
    },

    /**
     * Applies what actually changes; a change to nothing is answered with the task as it is,
     * with no new version and no event.
     */
    async change(
      actor: Actor,
      id: string,
      changes: TaskChanges,
      expectedVersion?: number,
    ): Promise<Task> {
      return outbox.commit(async (tx, emit) => {
        const before = await lockTaskToEdit(tx, actor.userId, id, expectedVersion);
        const effective = effectiveChanges(before, changes);
        if (Object.keys(effective).length === 0) return toTask(before);
        const audience =
          effective.projectId === undefined
            ? undefined
            : await checkMove(tx, actor.userId, before, effective.projectId);
        const task = toTask(await updateTask(tx, id, effective));
        // Relative reminders follow the due date in this same transaction.
        if (effective.dueDate !== undefined) await followDueDate(tx, id, effective.dueDate);
        if (audience) await deleteUnseenReminders(tx, { taskId: id });
        const type = !before.completed && task.completed ? 'task.completed' : 'task.updated';
        emit(taskEvent(type, task, actor, audience));
        return task;
      });
    },

    async remove(actor: Actor, id: string, expectedVersion?: number): Promise<void> {
      await outbox.commit(async (tx, emit) => {
        await lockTaskToEdit(tx, actor.userId, id, expectedVersion);
        const task = toTask(await deleteTask(tx, id));
        emit(taskEvent('task.deleted', task, actor));
      });
    },
  };
}

export type TaskCommands = ReturnType<typeof taskCommands>;

/**
 * The task locked for a change by this user: one they see (else 404, as if missing: ids reveal
 * nothing), in a role that may change it (a viewer gets 403), at the expected version (else 412).
 */
export async function lockTaskToEdit(
  tx: Tx,
  userId: string,
  id: string,
  expectedVersion: number | undefined,
): Promise<TaskRow> {
  const access = await lockTaskAccess(tx, userId, id);
  if (!access) throw notFound('task');
  if (access.role === 'viewer') {
    throw new AppError('forbidden', "a project's viewers may read its tasks, not change them");
  }
  const { row } = access;
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw new AppError(
      'precondition_failed',
      `the task is at version ${row.version}, not ${expectedVersion}; reload it and retry`,
    );
  }
  return row;
}

/**
 * A move between projects (or out of one, or into one): the destination must be the actor's to
 * edit, and only a task's creator takes it out of its project (it becomes theirs alone). Returns
 * the move's audience: everyone who saw the task before and everyone who sees it after, so that
 * those who lose it hear of it too.
 */
async function checkMove(
  tx: Tx,
  userId: string,
  before: TaskRow,
  destination: string | null,
): Promise<string[]> {
  if (destination === null && before.userId !== userId) {
    throw new AppError('forbidden', 'only its creator can take a task out of its project');
  }
  if (destination !== null) await requireProjectRole(tx, destination, userId, 'editor');
  const seers = async (projectId: string | null) =>
    projectId ? projectMemberIds(tx, projectId) : [before.userId];
  const audience = new Set([...(await seers(before.projectId)), ...(await seers(destination))]);
  return [...audience].sort();
}

function effectiveChanges(row: TaskRow, changes: TaskChanges): TaskChanges {
  const effective: TaskChanges = {};
  if (changes.title !== undefined && changes.title !== row.title) effective.title = changes.title;
  if (changes.description !== undefined && changes.description !== row.description) {
    effective.description = changes.description;
  }
  if (changes.dueDate !== undefined && changes.dueDate?.getTime() !== row.dueDate?.getTime()) {
    effective.dueDate = changes.dueDate;
  }
  if (changes.completed !== undefined && changes.completed !== row.completed) {
    effective.completed = changes.completed;
  }
  if (changes.priority !== undefined && changes.priority !== row.priority) {
    effective.priority = changes.priority;
  }
  if (changes.tags !== undefined && changes.tags.join('\n') !== row.tags.join('\n')) {
    effective.tags = changes.tags;
  }
  if (changes.projectId !== undefined && changes.projectId !== row.projectId) {
    effective.projectId = changes.projectId;
  }
  return effective;
}

function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}
