import type postgres from 'postgres';

// A synthetic event store for `pnpm bench:replay`, written by SQL alone (generate_series), and a
// `tasks` table consistent with it: what task-api would have left after the same history.
//
// Each task i lives through task.created (v1), two task.updated (v2: title and description,
// v3: due date), task.completed (v4); one in five is then deleted (task.deleted, v5). Events
// are appended version by version across all tasks of a chunk (all creations, then all first
// edits...), so one task's history is spread over the heap as in a store that grew over months:
// the verify's walk in (aggregate_id, seq) order cannot lean on the rows being adjacent.

export const EVENTS_PER_TASK = 4.2;

const iso = (column: string) =>
  `to_char((${column}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The task as it stands after version v (1..5), as JSON: the same fields as the contract. */
const STATE = `
  jsonb_build_object(
    'id', p.id::text,
    'user_id', p.user_id,
    'title', case when v.v = 1 then 'task ' || p.i else 'task ' || p.i || ' (edited)' end,
    'description', case when v.v = 1 then null else 'note ' || p.i end,
    'completed', v.v >= 4,
    'completed_at', case when v.v >= 4 then ${iso("p.created_at + interval '3 hours'")} end,
    'due_date', ${iso("p.created_at + interval '7 days' + case when v.v >= 3 then interval '1 day' else interval '0' end")},
    'recurrence_rule', null,
    'is_recurring', false,
    'next_occurrence', null,
    'time_zone', null,
    'recurrence_mode', null,
    'series_start', null,
    'series_id', null,
    'occurrence_at', null,
    'version', v.v,
    'created_at', ${iso('p.created_at')},
    'updated_at', ${iso("p.created_at + (v.v - 1) * interval '1 hour'")}
  )`;

/**
 * Appends tasks `from + 1 .. to` (users `user-0 .. user-{users-1}`) with their events and their
 * final rows. Returns the number of events appended.
 */
export async function appendTasks(
  sql: postgres.Sql,
  range: { from: number; to: number; users: number },
): Promise<number> {
  return sql.begin(async (tx) => {
    await tx.unsafe(`
    insert into users (id)
    select 'user-' || u from generate_series(0, ${range.users - 1}) u
    on conflict do nothing`);
    await tx.unsafe(`
    create temporary table plan on commit drop as
    select i, gen_random_uuid() as id, 'user-' || (i % ${range.users}) as user_id,
      i % 5 = 0 as deleted,
      timestamptz '2026-01-01T00:00:00Z' + i * interval '1 second' as created_at
    from generate_series(${range.from + 1}, ${range.to}) i`);
    const [appended] = await tx.unsafe<{ n: number }[]>(`
    with appended as (
      insert into events (event_id, event_type, topic, user_id, aggregate_id, aggregate_version,
        correlation_id, occurred_at, envelope_version, data, published_at)
      select gen_random_uuid(),
        case v.v when 1 then 'task.created' when 4 then 'task.completed'
          when 5 then 'task.deleted' else 'task.updated' end,
        'tasks.events', p.user_id, p.id::text, v.v, 'bench',
        p.created_at + (v.v - 1) * interval '1 hour', 1,
        -- A deletion carries the task as it stood (v4) with the deletion's version.
        case when v.v = 5 then ${STATE.replaceAll('v.v', 'least(v.v, 4)')} || jsonb_build_object('version', 5)
          else ${STATE} end,
        now()
      from plan p cross join generate_series(1, 5) v(v)
      where v.v <= 4 or p.deleted
      order by v.v, p.i
      returning 1
    )
    select count(*)::int as n from appended`);
    await tx.unsafe(`
    insert into tasks (id, user_id, title, description, completed, completed_at, due_date,
      version, created_at, updated_at)
    select p.id, p.user_id, 'task ' || p.i || ' (edited)', 'note ' || p.i, true,
      p.created_at + interval '3 hours', p.created_at + interval '8 days', 4, p.created_at,
      p.created_at + interval '3 hours'
    from plan p where not p.deleted`);
    return appended!.n;
  });
}
