import { z } from 'zod';
import { Instant, InstantInput, userText, UserId, Uuid } from './common.ts';
import {
  Priority,
  PriorityFilter,
  SearchText,
  TagFilter,
  Tags,
  TaskCursor,
  TaskSort,
} from './task-fields.ts';
import { ProjectFilter } from './projects.ts';
import { RecurrenceInput } from './recurrence.ts';

export const TITLE_MAX = 500;
export const DESCRIPTION_MAX = 10_000;

const Title = userText({ max: TITLE_MAX, required: true });
const Description = userText({ max: DESCRIPTION_MAX }).nullable();

/** A task as the API returns it and as task events carry it (the state after the change). */
export const Task = z.object({
  id: Uuid,
  user_id: UserId,
  title: z.string(),
  description: z.string().nullable(),
  completed: z.boolean(),
  completed_at: Instant.nullable(),
  due_date: Instant.nullable(),
  recurrence_rule: z.string().nullable(),
  is_recurring: z.boolean(),
  next_occurrence: Instant.nullable(),
  time_zone: z.string().nullable(),
  recurrence_mode: z.enum(['schedule', 'completion']).nullable(),
  /** The series' first occurrence (RRULE DTSTART). */
  series_start: Instant.nullable(),
  series_id: Uuid.nullable(),
  /** For an instance of a series: the occurrence it stands for. */
  occurrence_at: Instant.nullable(),
  /** 1 (low) to 4 (urgent), as Todoist's API counts; null: none. */
  priority: z.int().min(1).max(4).nullable().default(null),
  /** Normalised (lower case), unique, sorted. Events written before tags existed carry none. */
  tags: z.array(z.string()).default([]),
  /** The project it belongs to (its members share it), or null: its creator's alone. */
  project_id: Uuid.nullable().default(null),
  version: z.int().min(1),
  created_at: Instant,
  updated_at: Instant,
});
export type Task = z.infer<typeof Task>;

/**
 * A task as it is born: version 1, open, one-off, every optional field empty, created and
 * updated `at`. Callers spread what differs (a description, a due date, a series, an instance's
 * link to its series).
 */
export function freshTask(fields: Pick<Task, 'id' | 'user_id' | 'title'>, at: string): Task {
  return {
    ...fields,
    description: null,
    completed: false,
    completed_at: null,
    due_date: null,
    recurrence_rule: null,
    is_recurring: false,
    next_occurrence: null,
    time_zone: null,
    recurrence_mode: null,
    series_start: null,
    series_id: null,
    occurrence_at: null,
    priority: null,
    tags: [],
    project_id: null,
    version: 1,
    created_at: at,
    updated_at: at,
  };
}

export const TaskPathParams = z.strictObject({ user_id: UserId, id: Uuid });
export const UserPathParams = z.strictObject({ user_id: UserId });

export const CreateTaskBody = z.strictObject({
  title: Title,
  description: Description.optional(),
  due_date: InstantInput.nullable().optional(),
  priority: Priority.optional(),
  tags: Tags.optional(),
  /** Creates it in this project (the caller must be its owner or editor). */
  project_id: Uuid.nullable().optional(),
  /** Makes the new task a series at once, as `POST .../tasks/{id}/recurrence` would. */
  recurrence: RecurrenceInput.optional(),
});
export type CreateTaskBody = z.infer<typeof CreateTaskBody>;

/** PUT replaces every editable field: what is left out is cleared. */
export const ReplaceTaskBody = z.strictObject({
  title: Title,
  description: Description.optional(),
  due_date: InstantInput.nullable().optional(),
  priority: Priority.optional(),
  tags: Tags.optional(),
  completed: z.boolean().optional(),
  /** Moves it (null: out of its project, for its creator only); unchanged when left out. */
  project_id: Uuid.nullable().optional(),
});
export type ReplaceTaskBody = z.infer<typeof ReplaceTaskBody>;

/** PATCH changes only the fields it names. */
export const PatchTaskBody = z
  .strictObject({
    title: Title.optional(),
    description: Description.optional(),
    due_date: InstantInput.nullable().optional(),
    completed: z.boolean().optional(),
    priority: Priority.optional(),
    tags: Tags.optional(),
    /** Moves it (null: out of its project, for its creator only). */
    project_id: Uuid.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change')
  .meta({ minProperties: 1 });
export type PatchTaskBody = z.infer<typeof PatchTaskBody>;

/** `PATCH .../complete`: marks the task done; `{"completed": false}` reopens it. */
export const CompleteTaskBody = z.strictObject({ completed: z.boolean().default(true) });
export type CompleteTaskBody = z.infer<typeof CompleteTaskBody>;

export const DueDateBody = z.strictObject({ due_date: InstantInput.nullable() });
export type DueDateBody = z.infer<typeof DueDateBody>;

const QueryBoolean = z.enum(['true', 'false']).transform((value) => value === 'true');

export const LIST_LIMIT_MAX = 200;

export const ListTasksQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(50),
  cursor: TaskCursor.optional(),
  completed: QueryBoolean.optional(),
  recurring: QueryBoolean.optional(),
  due_before: InstantInput.optional(),
  due_after: InstantInput.optional(),
  priority: PriorityFilter.optional(),
  tags: TagFilter.optional(),
  q: SearchText.optional(),
  project: ProjectFilter.optional(),
  sort: TaskSort.optional(),
  order: z
    .enum(['asc', 'desc'])
    .optional()
    .describe(
      'Default: `asc` for `due_date`, `desc` for the others. Tasks without the sort field (no due date, no priority) come last either way.',
    ),
});
export type ListTasksQuery = z.infer<typeof ListTasksQuery>;

export const TaskList = z.object({
  items: z.array(Task),
  next_cursor: z.string().nullable(),
});
export type TaskList = z.infer<typeof TaskList>;

/** `GET .../tags`: each tag the user's tasks carry, most used first. */
export const TagList = z.object({
  items: z.array(
    z.object({
      name: z.string(),
      /** Tasks that carry it. */
      count: z.int().min(1),
      /** Of those, the ones not completed. */
      open: z.int().min(0),
    }),
  ),
});
export type TagList = z.infer<typeof TagList>;
