import { createHash, randomUUID } from 'node:crypto';
import { freshTask, makeEvent, type Task } from '@taskflow/contracts';
import {
  claimIdempotencyKey,
  deleteTask,
  findTask,
  insertTasks,
  isDatabaseUnavailable,
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
    ...seriesFields(fields.series),
  };
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
      // its claim in the same transaction, so that a retry can never create twice.
      if (!idempotency) {
        await insertCreated({ task, event: created });
        return { task, replayed: false };
      }
      return outbox.commit(async (tx, emit) => {
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
        const before = await lockOwnTask(tx, actor.userId, id, expectedVersion);
        const effective = effectiveChanges(before, changes);
        if (Object.keys(effective).length === 0) return toTask(before);
        const task = toTask(await updateTask(tx, id, effective));
        // Relative reminders follow the due date in this same transaction.
        if (effective.dueDate !== undefined) await followDueDate(tx, id, effective.dueDate);
        const type = !before.completed && task.completed ? 'task.completed' : 'task.updated';
        emit(makeEvent(type, task, task, actor));
        return task;
      });
    },

    async remove(actor: Actor, id: string, expectedVersion?: number): Promise<void> {
      await outbox.commit(async (tx, emit) => {
        await lockOwnTask(tx, actor.userId, id, expectedVersion);
        const task = toTask(await deleteTask(tx, id));
        emit(makeEvent('task.deleted', task, task, actor));
      });
    },
  };
}

export type TaskCommands = ReturnType<typeof taskCommands>;

export async function lockOwnTask(
  tx: Tx,
  userId: string,
  id: string,
  expectedVersion: number | undefined,
): Promise<TaskRow> {
  const row = await findTask(tx, userId, id, { forUpdate: true });
  // Another user's task is reported exactly like a missing one: ids reveal nothing.
  if (!row) throw notFound('task');
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw new AppError(
      'precondition_failed',
      `the task is at version ${row.version}, not ${expectedVersion}; reload it and retry`,
    );
  }
  return row;
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
  return effective;
}

function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}
