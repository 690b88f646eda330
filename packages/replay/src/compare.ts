import { Task } from '@taskflow/contracts';

/** Every field of a task, from its contract: a field added there is compared at once. */
export const TASK_FIELDS = Object.keys(Task.shape) as Array<keyof Task>;

// Instants are compared as instants: `2030-01-01T00:00:00Z` and `...00.000Z` are one moment.
const INSTANT_FIELDS = new Set<keyof Task>([
  'completed_at',
  'due_date',
  'next_occurrence',
  'series_start',
  'occurrence_at',
  'created_at',
  'updated_at',
]);

export interface FieldDifference {
  field: keyof Task;
  /** As the events say. */
  expected: unknown;
  /** As the `tasks` row says. */
  actual: unknown;
}

/** The fields in which the row differs from the task the events rebuilt, in contract order. */
export function compareTask(expected: Record<string, unknown>, actual: Task): FieldDifference[] {
  const differences: FieldDifference[] = [];
  for (const field of TASK_FIELDS) {
    // A field added after an event was written is absent from it: it stands for the default
    // (no priority, no tags), as every reader of the event takes it.
    const want = expected[field] === undefined ? defaultOf(field) : expected[field];
    const got = actual[field];
    const same = INSTANT_FIELDS.has(field)
      ? sameInstant(want, got)
      : Array.isArray(want) && Array.isArray(got)
        ? want.length === got.length && want.every((value, i) => value === got[i])
        : want === got;
    if (!same) differences.push({ field, expected: want, actual: got });
  }
  return differences;
}

function sameInstant(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'string' || typeof b !== 'string') return a === b;
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(x) || Number.isNaN(y) ? a === b : x === y;
}

/** The value the contract gives a field an event does not carry (undefined: it has none). */
function defaultOf(field: keyof Task): unknown {
  const parsed = Task.shape[field].safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}
