import type { MemberDifference } from './compare.ts';

/**
 * Ways in which a row and the event store can disagree, for a task (`tasks`) and for a project
 * (`projects`) alike.
 * - field: the row exists as the events say, but this field differs.
 * - missing: the events say the task or project exists; there is no row.
 * - deleted: the events end with its deletion; the row is still there.
 * - unknown: a row that no event of its kind mentions.
 * - history: an event a correct writer could not have appended (see fold.ts).
 */
type RowDifference =
  | { kind: 'field'; field: string; expected: unknown; actual: unknown }
  | { kind: 'missing'; version: number }
  | { kind: 'deleted'; version: number; rowVersion: number }
  | { kind: 'unknown'; rowVersion: number }
  | { kind: 'history'; seq?: number; eventId?: string; message: string };

/** `userId` is the events' user: the task's owner. */
export type TaskDifference = { taskId: string; userId: string } & RowDifference;

/**
 * `userId` is the events' user: the project's creator, its key on the broker. Besides the
 * row's, the member set's differences (`project_members` against the last event's members):
 * - member_missing: a member the events list; no row.
 * - member_unknown: a row for a user the events do not list.
 * - member_field: both have the member, but its role or added_at differs.
 */
export type ProjectDifference = { projectId: string; userId: string } & (
  RowDifference | MemberDifference
);

/** One way the tables and the event store disagree. */
export type Difference = TaskDifference | ProjectDifference;

export type DifferenceKind = Difference['kind'];
export const DIFFERENCE_KINDS: DifferenceKind[] = [
  'field',
  'missing',
  'deleted',
  'unknown',
  'history',
  'member_missing',
  'member_unknown',
  'member_field',
];

export const isProjectDifference = (d: Difference): d is ProjectDifference => 'projectId' in d;

const show = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));

/** One line for a person. */
export function describeDifference(d: Difference): string {
  const [subject, table, noun] = isProjectDifference(d)
    ? [`project ${d.projectId} (created by ${d.userId})`, 'projects', 'project']
    : [`task ${d.taskId} (user ${d.userId})`, 'tasks', 'task'];
  // The row kinds' words line up in a column, as before projects had members.
  const kind = d.kind.padEnd(8);
  switch (d.kind) {
    case 'field':
      return `${kind} ${subject} ${d.field}: events ${show(d.expected)}, table ${show(d.actual)}`;
    case 'missing':
      return `${kind} ${subject}: the events leave it at version ${d.version}; no row in ${table}`;
    case 'deleted':
      return `${kind} ${subject}: deleted by the events at version ${d.version}; row still in ${table} (version ${d.rowVersion})`;
    case 'unknown':
      return `${kind} ${subject}: row in ${table} (version ${d.rowVersion}); no ${noun} event in the store`;
    case 'history': {
      const where = d.seq === undefined ? '' : ` seq ${d.seq} event ${d.eventId}`;
      return `${kind} ${subject}${where}: ${d.message}`;
    }
    case 'member_missing':
      return `${kind} ${subject} member ${d.memberId}: the events have them as ${show(d.role)}; no row in project_members`;
    case 'member_unknown':
      return `${kind} ${subject} member ${d.memberId}: row in project_members (${show(d.role)}); the events do not list them`;
    case 'member_field':
      return `${kind} ${subject} member ${d.memberId} ${d.field}: events ${show(d.expected)}, table ${show(d.actual)}`;
  }
}

/** One JSON line for a program, with the wire's snake_case names. */
export function differenceJson(d: Difference): string {
  const { kind, ...rest } = d;
  const renamed: Record<string, unknown> = { kind };
  for (const [key, value] of Object.entries(rest)) {
    renamed[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return JSON.stringify(renamed);
}
