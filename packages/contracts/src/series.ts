import { z } from 'zod';
import { LIST_LIMIT_MAX, Task } from './tasks.ts';
import { Cursor } from './common.ts';

/**
 * `scheduled`: `next_occurrence` is when the next instance spawns. `awaiting_completion`: a
 * completion-mode series whose latest instance is still open; completing it schedules the next.
 */
export const SeriesStatus = z.enum(['scheduled', 'awaiting_completion']);
export type SeriesStatus = z.infer<typeof SeriesStatus>;

/** A live series as `GET /api/{user_id}/tasks/recurring` lists it: the task plus its rule in words. */
export const RecurringTask = Task.extend({
  /** E.g. "every week on Monday at 09:00 (Europe/Berlin)". */
  rule_description: z.string(),
  series_status: SeriesStatus,
});
export type RecurringTask = z.infer<typeof RecurringTask>;

export const ListRecurringQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(50),
  cursor: Cursor.optional(),
});
export type ListRecurringQuery = z.infer<typeof ListRecurringQuery>;

export const RecurringTaskList = z.object({
  items: z.array(RecurringTask),
  next_cursor: z.string().nullable(),
});
export type RecurringTaskList = z.infer<typeof RecurringTaskList>;
