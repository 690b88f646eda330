import { sql } from 'drizzle-orm';
import type { Database, Executor } from './client.ts';
import { searchSettings } from './schema.ts';

/** The text search configuration that stems tasks and queries (`english` unless changed). */
export async function searchLanguage(ex: Executor): Promise<string> {
  const [row] = await ex.select({ language: searchSettings.language }).from(searchSettings);
  return row!.language;
}

/** Whether Postgres knows this text search configuration (`select name::regconfig`). */
export async function isSearchLanguage(ex: Executor, name: string): Promise<boolean> {
  const [row] = await ex.execute<{ known: boolean }>(
    sql`select exists (select 1 from pg_ts_config where cfgname = ${name}) as known`,
  );
  return row!.known;
}

/**
 * Makes `name` the search language and re-stems every task with it, `batch` rows per
 * transaction (by id), so no lock is held for long. Until it ends, tasks not yet re-stemmed
 * match words as the old language stemmed them. Returns the number of tasks re-stemmed.
 */
export async function changeSearchLanguage(
  database: Database,
  name: string,
  { batch = 5_000, onProgress = (_done: number) => {} } = {},
): Promise<number> {
  await database.db.update(searchSettings).set({ language: name });
  let after = '00000000-0000-0000-0000-000000000000';
  let done = 0;
  for (;;) {
    const rows = await database.db.execute<{ id: string }>(sql`
      update tasks set search = task_search_vector(title, description)
      where id in (select id from tasks where id > ${after}::uuid order by id limit ${batch})
      returning id`);
    if (rows.length === 0) return done;
    done += rows.length;
    after = rows.reduce((max, row) => (row.id > max ? row.id : max), after);
    onProgress(done);
  }
}
