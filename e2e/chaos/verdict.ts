import { isTaskMessage, toWsMessage, type EventEnvelope } from '@taskflow/contracts';
import type { Crash, Fault, FaultKind } from './faults.ts';
import type { Snapshot, WatchedSocket } from './sockets.ts';
import type { Attempt, Traffic } from './traffic.ts';
import type { WorkloadStats } from './workload.ts';

/**
 * After a database restart, a request may still meet a pooled connection the restart broke:
 * that first query answers 503 too (docs/api.md: "restarting or dropped the connection").
 */
const DATABASE_GRACE_MS = 5_000;
/** A killed task-api replica refuses connections until its restart listens. */
const PROCESS_GRACE_MS = 1_000;

export interface Evidence {
  traffic: Traffic;
  workload: WorkloadStats;
  sockets: WatchedSocket[];
  /** Each user's events, as stored, up to the cut-off. */
  events: Map<string, EventEnvelope[]>;
  faults: Fault[];
  crashes: Crash[];
  replay: { code: number; stdout: string };
  /** Events after this instant (ms) are not required to have arrived. */
  cutoff: number;
}

export interface Delivery {
  /** Events × the sockets of their user. */
  required: number;
  live: number;
  /** Not sent to the socket, but in a REST reload made after a `resync`. */
  reloaded: number;
  /**
   * Task events not sent because a later version of the task was sent first (docs/realtime.md:
   * a straggler is not sent after its successors; the later message carries the whole task).
   */
  superseded: number;
  lost: number;
  /** The first few lost ones, for the report. */
  examples: string[];
}

/** One event a socket must account for, with what the check needs, worked out once. */
export interface Expected {
  event: EventEnvelope;
  /** When it was made (ms since the epoch). */
  at: number;
  /** The task it shows: the task, the spawned instance, the reminded task. */
  taskId: string;
  /** Task events only: the task's version after it. */
  version: number | undefined;
  /** When that task was deleted, if it was. */
  deletedAt: number;
}

/** Each user's events as the delivery check reads them. */
export function expectations(events: Map<string, EventEnvelope[]>): Map<string, Expected[]> {
  const expected = new Map<string, Expected[]>();
  for (const [userId, own] of events) {
    const deletedAt = new Map<string, number>();
    for (const event of own) {
      if (event.event_type === 'task.deleted') {
        deletedAt.set(event.data.id, Date.parse(event.timestamp));
      }
    }
    expected.set(
      userId,
      own.map((event) => {
        const message = toWsMessage(event);
        if (!isTaskMessage(message)) throw new Error(`not a task event: ${event.event_type}`);
        const taskId = message.data.id;
        return {
          event,
          at: Date.parse(event.timestamp),
          taskId,
          version: event.event_type.startsWith('task.') ? event.aggregate_version : undefined,
          deletedAt: deletedAt.get(taskId) ?? Infinity,
        };
      }),
    );
  }
  return expected;
}

/** The user's events that one socket can account for: sent to it, or in a reload after resync. */
export function delivery(sockets: WatchedSocket[], expected: Map<string, Expected[]>): Delivery {
  const result: Delivery = {
    required: 0,
    live: 0,
    reloaded: 0,
    superseded: 0,
    lost: 0,
    examples: [],
  };
  for (const socket of sockets) {
    for (const item of expected.get(socket.user.id) ?? []) {
      result.required++;
      if (socket.received.has(item.event.event_id)) {
        result.live++;
      } else if (socket.snapshots.some((s) => inSnapshot(item, s))) {
        result.reloaded++;
      } else if (
        item.version !== undefined &&
        (socket.newest.get(item.taskId) ?? 0) > item.version
      ) {
        result.superseded++;
      } else {
        result.lost++;
        if (result.examples.length < 5) {
          const { event } = item;
          result.examples.push(
            `${event.event_type} ${event.event_id} (${event.timestamp}) on a socket of ` +
              `${socket.user.id} via ws-notifier#${socket.replica}`,
          );
        }
      }
    }
  }
  return result;
}

/**
 * Whether a reload shows what the event says: the event was made before the reload started, and
 * the reload shows its task at that version or later (task events), or shows the task at all
 * (spawn and reminder events), or the task was already deleted then.
 */
function inSnapshot(item: Expected, snapshot: Snapshot): boolean {
  if (!(item.at < snapshot.startedAt)) return false;
  const shown = snapshot.versions.get(item.taskId);
  if (shown === undefined) return item.deletedAt < snapshot.startedAt;
  return item.version === undefined || shown >= item.version;
}

export interface Verdict {
  delivery: Delivery;
  duplicateInstances: number;
  remindersFiredTwice: number;
  /** 503s answered while Postgres was restarting: documented, not violations. */
  databaseUnavailable: number;
  violations: string[];
}

export function judge(evidence: Evidence): Verdict {
  const violations: string[] = [];
  const all = [...evidence.events.values()].flat();

  const deliveries = delivery(evidence.sockets, expectations(evidence.events));
  if (deliveries.lost > 0) {
    violations.push(
      `${deliveries.lost} event deliveries lost, e.g.\n    ${deliveries.examples.join('\n    ')}`,
    );
  }

  const duplicateInstances = repeats(
    all.flatMap((e) =>
      e.event_type === 'recurring.spawned' ? [`${e.data.series_id} ${e.data.occurrence_at}`] : [],
    ),
  );
  if (duplicateInstances > 0) violations.push(`${duplicateInstances} occurrences spawned twice`);
  const remindersFiredTwice = repeats(
    all.flatMap((e) => (e.event_type === 'reminder.triggered' ? [e.data.reminder_id] : [])),
  );
  if (remindersFiredTwice > 0) violations.push(`${remindersFiredTwice} reminders fired twice`);

  if (evidence.replay.code !== 0) {
    violations.push(`replay verify exited ${evidence.replay.code}:\n${evidence.replay.stdout}`);
  }

  let databaseUnavailable = 0;
  const during = windows(evidence.faults);
  for (const attempt of evidence.traffic.attempts) {
    const excuse = excused(attempt, during);
    if (attempt.status === 503 && excuse === 'database') databaseUnavailable++;
    else if (typeof attempt.status === 'number' && attempt.status >= 500) {
      violations.push(`${attempt.status} on ${describe(attempt)}`);
    } else if (typeof attempt.status === 'string' && excuse !== 'process') {
      violations.push(
        `${attempt.status === 'network' ? 'no answer' : 'timeout'} on ${describe(attempt)}` +
          activeFaults(attempt, during),
      );
    }
  }
  for (const gaveUp of evidence.traffic.gaveUp) {
    violations.push(`gave up on ${gaveUp.method} ${gaveUp.route} at ${iso(gaveUp.at)}`);
  }
  for (const refusal of evidence.workload.unexpected) {
    violations.push(
      `${refusal.status} for a valid ${refusal.operation} at ${iso(refusal.at)}: ${JSON.stringify(refusal.body)}`,
    );
  }

  for (const fault of evidence.faults.filter((f) => f.error)) {
    violations.push(`${fault.label} did not come back after ${fault.kind} fault: ${fault.error}`);
  }
  for (const crash of evidence.crashes) {
    violations.push(
      `${crash.label} exited on its own at ${iso(crash.at)} (${crash.exit}):\n${crash.logs}`,
    );
  }
  for (const socket of evidence.sockets) {
    if (socket.state !== 'open') {
      violations.push(`a socket of ${socket.user.id} was ${socket.state} at the end`);
    }
    if (socket.failedReloads > 0) {
      violations.push(`${socket.failedReloads} REST reloads of ${socket.user.id} got no answer`);
    }
  }
  return {
    delivery: deliveries,
    duplicateInstances,
    remindersFiredTwice,
    databaseUnavailable,
    violations: collapse(violations),
  };
}

/** How many keys occur more than once, counting each extra occurrence. */
function repeats(keys: string[]): number {
  const seen = new Set<string>();
  let extra = 0;
  for (const key of keys) {
    if (seen.has(key)) extra++;
    seen.add(key);
  }
  return extra;
}

interface Window {
  kind: FaultKind;
  label: string;
  from: number;
  to: number;
}

function windows(faults: Fault[]): Window[] {
  return faults.map((f) => ({
    kind: f.kind,
    label: f.label,
    from: f.downAt,
    to:
      (f.readyAt ?? f.upAt ?? Date.now()) +
      (f.kind === 'postgres' ? DATABASE_GRACE_MS : PROCESS_GRACE_MS),
  }));
}

/**
 * What excuses an attempt's failure: Postgres restarting (503), or the very replica it went to
 * being down (no answer). Nothing else does: a killed sidecar, scheduler or broker must not
 * show in task-api's answers. An attempt is under a fault when the two overlap in time: one
 * sent just before its replica was killed is cut off by the kill.
 */
function excused(attempt: Attempt, during: Window[]): 'database' | 'process' | undefined {
  const active = during.filter((w) => w.from <= attempt.endedAt && attempt.at <= w.to);
  if (active.some((w) => w.kind === 'postgres')) return 'database';
  if (active.some((w) => w.kind === 'service' && w.label === `task-api#${attempt.replica}`)) {
    return 'process';
  }
  return undefined;
}

/**
 * The faults under way during the attempt, or else the nearest one, for a violation's message:
 * where to look in the logs.
 */
function activeFaults(attempt: Attempt, during: Window[]): string {
  const active = during.filter((w) => w.from <= attempt.endedAt && attempt.at <= w.to);
  if (active.length > 0) return `, during the fault of ${active.map((w) => w.label).join(', ')}`;
  const distance = (w: Window) =>
    Math.min(Math.abs(w.from - attempt.at), Math.abs(w.to - attempt.at));
  const nearest = [...during].sort((a, b) => distance(a) - distance(b))[0];
  const took = `, after ${attempt.endedAt - attempt.at} ms`;
  if (!nearest) return `${took}; no fault at all`;
  return `${took}; the nearest fault: ${nearest.label}, ${iso(nearest.from)} to ${iso(nearest.to)}`;
}

const iso = (ms: number) => new Date(ms).toISOString();
const describe = (a: Attempt) =>
  `${a.method} ${a.route} to task-api#${a.replica} at ${iso(a.at)} (attempt ${a.attempt}` +
  `${a.cause ? `, ${a.cause}` : ''})`;

/** The same kind of violation many times over reads as one line with a count. */
function collapse(violations: string[]): string[] {
  const counts = new Map<string, { first: string; count: number }>();
  for (const violation of violations) {
    const kind = violation.replace(/ at \S+Z.*$/s, '').replace(/\d+/g, 'N');
    const entry = counts.get(kind);
    if (entry) entry.count++;
    else counts.set(kind, { first: violation, count: 1 });
  }
  return [...counts.values()].map(({ first, count }) =>
    count === 1 ? first : `${first}\n  (and ${count - 1} more like it)`,
  );
}
