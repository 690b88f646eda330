import { getTableColumns } from 'drizzle-orm';
import type { Task } from '@taskflow/contracts';
import { tasks } from './schema.ts';

// Every column but `search`: the tsvector is Postgres's own business, never read back.
const { search: _search, ...columns } = getTableColumns(tasks);
/** What queries select and return of a task. */
export const taskColumns = columns;

export type TaskRow = Omit<typeof tasks.$inferSelect, 'search'>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** A task row as the wire sees it. */
export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    user_id: row.userId,
    title: row.title,
    description: row.description,
    completed: row.completed,
    completed_at: iso(row.completedAt),
    due_date: iso(row.dueDate),
    recurrence_rule: row.recurrenceRule,
    is_recurring: row.isRecurring,
    next_occurrence: iso(row.nextOccurrence),
    time_zone: row.timeZone,
    recurrence_mode: row.recurrenceMode as Task['recurrence_mode'],
    series_start: iso(row.seriesStart),
    series_id: row.seriesId,
    occurrence_at: iso(row.occurrenceAt),
    priority: row.priority,
    tags: row.tags,
    project_id: row.projectId,
    version: row.version,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
