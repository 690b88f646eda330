import type { StoredTaskEvent } from '@taskflow/db';

// The fold of one task's history into the state the `tasks` table should hold.
//
// Every task event carries the whole task as it stood after the change, with the aggregate's
// version (packages/contracts, events.ts), so the state after an aggregate's last event is that
// event's `data`, or "no row" when the last one is task.deleted. The fold still walks every
// event: it checks that the history is one a correct writer could have produced (born by
// task.created, versions 1, 2, 3... with no gap, nothing after the deletion, each `data` about
// this very task at this very version). A history that breaks those rules is reported, because
// a state rebuilt from it cannot be trusted even when it happens to match the table.
//
// recurring.spawned and reminder.triggered never change `tasks` by themselves: a spawned
// instance arrives with its own task.created (and the series with its own task.updated), and a
// fired reminder changes only `reminders`. They are not task.* events and are not read here.

/** Event types that set a task's state. */
export const TASK_STATE_EVENTS = [
  'task.created',
  'task.updated',
  'task.completed',
  'task.deleted',
] as const;
type TaskStateEvent = (typeof TASK_STATE_EVENTS)[number];

const isTaskStateEvent = (type: string): type is TaskStateEvent =>
  (TASK_STATE_EVENTS as readonly string[]).includes(type);

/** An event that a correct writer could not have appended where it stands. */
export interface HistoryAnomaly {
  seq: number;
  eventId: string;
  message: string;
}

/** Anomalies kept per task: a history broken at every event must not grow memory. */
export const ANOMALIES_KEPT = 20;

/** One task's history folded so far. */
export interface TaskFold {
  aggregateId: string;
  userId: string;
  /** The task after the last event (for a deleted task, as it stood when deleted). */
  task: unknown;
  deleted: boolean;
  /** The aggregate version of the last event. */
  version: number;
  events: number;
  anomalies: HistoryAnomaly[];
  /** Anomalies beyond ANOMALIES_KEPT, counted but not kept. */
  moreAnomalies: number;
}

/** The fold after one more event of the same aggregate (`fold` undefined: its first event). */
export function foldEvent(fold: TaskFold | undefined, event: StoredTaskEvent): TaskFold {
  const problems = problemsOf(fold, event);
  const next: TaskFold = {
    aggregateId: event.aggregateId,
    userId: fold?.userId ?? event.userId,
    task: event.data,
    deleted: event.eventType === 'task.deleted' || (fold?.deleted ?? false),
    version: event.aggregateVersion,
    events: (fold?.events ?? 0) + 1,
    anomalies: fold?.anomalies ?? [],
    moreAnomalies: fold?.moreAnomalies ?? 0,
  };
  for (const message of problems) {
    if (next.anomalies.length < ANOMALIES_KEPT) {
      next.anomalies = [...next.anomalies, { seq: event.seq, eventId: event.eventId, message }];
    } else {
      next.moreAnomalies++;
    }
  }
  return next;
}

function problemsOf(fold: TaskFold | undefined, event: StoredTaskEvent): string[] {
  const problems: string[] = [];
  const type = event.eventType;
  if (!isTaskStateEvent(type)) problems.push(`unknown task event type ${type}`);
  if (fold === undefined) {
    if (type !== 'task.created') problems.push(`the history starts with ${type}, not task.created`);
    if (event.aggregateVersion !== 1) {
      problems.push(`the first event has version ${event.aggregateVersion}, not 1`);
    }
  } else {
    if (fold.deleted) problems.push(`${type} after task.deleted`);
    else if (type === 'task.created') problems.push('task.created of a task that exists');
    if (event.aggregateVersion !== fold.version + 1) {
      problems.push(`version ${event.aggregateVersion} follows version ${fold.version}`);
    }
    if (event.userId !== fold.userId) {
      problems.push(`user ${event.userId} in an event of user ${fold.userId}'s task`);
    }
  }
  problems.push(...dataProblems(event));
  return problems;
}

/** The event's `data` must be this task at this version. */
function dataProblems(event: StoredTaskEvent): string[] {
  const data = event.data;
  if (typeof data !== 'object' || data === null) return ['data is not an object'];
  const { id, version, user_id } = data as Record<string, unknown>;
  const problems: string[] = [];
  if (id !== event.aggregateId) problems.push(`data.id ${String(id)} is not the aggregate id`);
  if (version !== event.aggregateVersion) {
    problems.push(`data.version ${String(version)} is not the event's version`);
  }
  if (user_id !== event.userId)
    problems.push(`data.user_id ${String(user_id)} is not the event's user`);
  return problems;
}
