// The statement that creates tasks from ONE json parameter ($1): internal to packages/db
// (index.ts does not export it), shared by `insertTasks` and by the outbox's statement that
// writes the tasks' events with them (event-append.ts).

export const TASK_COLUMNS = `id, user_id, title, description, completed, completed_at, due_date,
  recurrence_rule, is_recurring, next_occurrence, time_zone, recurrence_mode, series_start,
  series_id, occurrence_at, priority, tags, project_id, version, created_at, updated_at`;

/** `with new_tasks (the rows of $1), new_users (inserted on first use)`, to be continued. */
export const NEW_TASKS = `
  with new_tasks as (
    select * from json_to_recordset($1::json) as t(id uuid, user_id text, title text,
      description text, completed boolean, completed_at timestamptz, due_date timestamptz,
      recurrence_rule text, is_recurring boolean, next_occurrence timestamptz, time_zone text,
      recurrence_mode text, series_start timestamptz, series_id uuid, occurrence_at timestamptz,
      priority smallint, tags text[], project_id uuid, version integer, created_at timestamptz,
      updated_at timestamptz)
  ),
  new_users as (
    insert into users (id) select distinct user_id from new_tasks on conflict do nothing
  )`;
