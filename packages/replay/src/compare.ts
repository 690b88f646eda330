import type { z } from 'zod';
import { Project, ProjectMember, Task } from '@taskflow/contracts';

export interface FieldDifference {
  field: string;
  /** As the events say. */
  expected: unknown;
  /** As the table's row says. */
  actual: unknown;
}

/**
 * A comparison by the fields of a contract's object: a field added there is compared at once.
 * Instants are compared as instants: `2030-01-01T00:00:00Z` and `...00.000Z` are one moment.
 */
function fieldComparer(
  shape: Record<string, z.ZodType>,
  fields: readonly string[],
  instants: readonly string[],
) {
  // A field added after an event was written is absent from it: it stands for the contract's
  // default (no priority, no tags), as every reader of the event takes it.
  const defaults = new Map(fields.map((field) => [field, defaultOf(shape[field]!)]));
  const instant = new Set(instants);
  return (expected: Record<string, unknown>, actual: Record<string, unknown>) => {
    const differences: FieldDifference[] = [];
    for (const field of fields) {
      const want = expected[field] === undefined ? defaults.get(field) : expected[field];
      const got = actual[field];
      const same = instant.has(field)
        ? sameInstant(want, got)
        : Array.isArray(want) && Array.isArray(got)
          ? want.length === got.length && want.every((value, i) => value === got[i])
          : want === got;
      if (!same) differences.push({ field, expected: want, actual: got });
    }
    return differences;
  };
}

/** The value the contract gives a field an event does not carry (undefined: it has none). */
function defaultOf(schema: z.ZodType): unknown {
  const parsed = schema.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

function sameInstant(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'string' || typeof b !== 'string') return a === b;
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(x) || Number.isNaN(y) ? a === b : x === y;
}

/** Every field of a task, from its contract. */
export const TASK_FIELDS = Object.keys(Task.shape) as Array<keyof Task>;

/** The fields in which the row differs from the task the events rebuilt, in contract order. */
export const compareTask: (expected: Record<string, unknown>, actual: Task) => FieldDifference[] =
  fieldComparer(Task.shape, TASK_FIELDS, [
    'completed_at',
    'due_date',
    'next_occurrence',
    'series_start',
    'occurrence_at',
    'created_at',
    'updated_at',
  ]);

/** The fields of a project's row: every field of its contract but its members (a table apart). */
export const PROJECT_FIELDS = (Object.keys(Project.shape) as Array<keyof Project>).filter(
  (field) => field !== 'members',
);

/** The fields in which the `projects` row differs from the project the events rebuilt. */
export const compareProject: (
  expected: Record<string, unknown>,
  actual: Project,
) => FieldDifference[] = fieldComparer(Project.shape, PROJECT_FIELDS, ['created_at', 'updated_at']);

/** A member as a project's state carries it: what a history's data holds need not be valid. */
export type MemberLike = Record<string, unknown>;

/** The fields of a member compared once both sides have them; `user_id` is the key. */
export const MEMBER_FIELDS = (
  Object.keys(ProjectMember.shape) as Array<keyof ProjectMember>
).filter((field) => field !== 'user_id');

const compareMember = fieldComparer(ProjectMember.shape, MEMBER_FIELDS, ['added_at']);

/** How two member sets differ. */
export type MemberDifference =
  | { kind: 'member_missing'; memberId: string; role: unknown }
  | { kind: 'member_unknown'; memberId: string; role: unknown }
  | ({ kind: 'member_field'; memberId: string } & FieldDifference);

/**
 * The members the table (or a later event) has against those expected, by user id, whatever
 * their order: expected ones it lacks, ones it has beyond them, and the fields of the ones in
 * both (role, added_at) that differ.
 */
export function compareMembers(
  expected: readonly MemberLike[],
  actual: readonly MemberLike[],
): MemberDifference[] {
  const differences: MemberDifference[] = [];
  const actualById = new Map(actual.map((member) => [String(member.user_id), member]));
  const expectedIds = new Set<string>();
  for (const want of expected) {
    const memberId = String(want.user_id);
    expectedIds.add(memberId);
    const got = actualById.get(memberId);
    if (!got) {
      differences.push({ kind: 'member_missing', memberId, role: want.role });
      continue;
    }
    for (const difference of compareMember(want, got)) {
      differences.push({ kind: 'member_field', memberId, ...difference });
    }
  }
  for (const [memberId, got] of actualById) {
    if (!expectedIds.has(memberId)) {
      differences.push({ kind: 'member_unknown', memberId, role: got.role });
    }
  }
  return differences;
}

/** A member difference in a few words, with the expected side first. */
export function describeMemberChange(d: MemberDifference): string {
  switch (d.kind) {
    case 'member_missing':
      return `${d.memberId} (${String(d.role)}) missing`;
    case 'member_unknown':
      return `${d.memberId} (${String(d.role)}) not expected`;
    case 'member_field':
      return `${d.memberId}'s ${d.field} ${JSON.stringify(d.actual)}, not ${JSON.stringify(d.expected)}`;
  }
}
