/**
 * One way the `tasks` table and the event store disagree.
 * - field: the row exists as the events say, but this field differs.
 * - missing: the events say the task exists; there is no row.
 * - deleted: the events end with task.deleted; the row is still there.
 * - unknown: a row that no task event mentions.
 * - history: an event a correct writer could not have appended (see fold.ts).
 */
export type Difference =
  | {
      kind: 'field';
      taskId: string;
      userId: string;
      field: string;
      expected: unknown;
      actual: unknown;
    }
  | { kind: 'missing'; taskId: string; userId: string; version: number }
  | { kind: 'deleted'; taskId: string; userId: string; version: number; rowVersion: number }
  | { kind: 'unknown'; taskId: string; userId: string; rowVersion: number }
  | {
      kind: 'history';
      taskId: string;
      userId: string;
      seq?: number;
      eventId?: string;
      message: string;
    };

export type DifferenceKind = Difference['kind'];
export const DIFFERENCE_KINDS: DifferenceKind[] = [
  'field',
  'missing',
  'deleted',
  'unknown',
  'history',
];

const show = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));

/** One line for a person. */
export function describeDifference(d: Difference): string {
  const task = `task ${d.taskId} (user ${d.userId})`;
  switch (d.kind) {
    case 'field':
      return `field    ${task} ${d.field}: events ${show(d.expected)}, table ${show(d.actual)}`;
    case 'missing':
      return `missing  ${task}: the events leave it at version ${d.version}; no row in tasks`;
    case 'deleted':
      return `deleted  ${task}: deleted by the events at version ${d.version}; row still in tasks (version ${d.rowVersion})`;
    case 'unknown':
      return `unknown  ${task}: row in tasks (version ${d.rowVersion}); no task event in the store`;
    case 'history': {
      const where = d.seq === undefined ? '' : ` seq ${d.seq} event ${d.eventId}`;
      return `history  ${task}${where}: ${d.message}`;
    }
  }
}

/** One JSON line for a program, with the wire's snake_case names. */
export function differenceJson(d: Difference): string {
  const { taskId, userId, ...rest } = d;
  const renamed: Record<string, unknown> = { task_id: taskId, user_id: userId };
  for (const [key, value] of Object.entries(rest)) {
    renamed[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return JSON.stringify(renamed);
}
