import { readdir } from 'node:fs/promises';
import { migrate, migrationsFolder } from '@taskflow/db';
import { describe, expect, it } from 'vitest';
import { freshFolder, query, start } from './harness.ts';

describe("taskflow's schema on the local Postgres", () => {
  it('applies every migration of @taskflow/db, and again on a restart finds nothing to do', async () => {
    const dir = await freshFolder();
    const first = await start(dir);
    await migrate(first.url);
    const tables = await query<{ name: string }>(
      first.url,
      "select table_name as name from information_schema.tables where table_schema = 'public' order by 1",
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['events', 'reminders', 'tasks', 'users']),
    );
    await first.stop();

    const second = await start(dir);
    await migrate(second.url);
    const [applied] = await query<{ count: string }>(
      second.url,
      'select count(*)::text as count from drizzle.__drizzle_migrations',
    );
    const files = (await readdir(migrationsFolder)).filter((f) => f.endsWith('.sql'));
    expect(Number(applied?.count)).toBe(files.length);
    // A task goes in as task-api writes one: the schema's defaults and checks hold on 18.
    await query(second.url, "insert into users (id) values ('alice')");
    const [task] = await query<{ title: string; completed: boolean }>(
      second.url,
      "insert into tasks (id, user_id, title) values (gen_random_uuid(), 'alice', 'Buy milk') returning title, completed",
    );
    expect(task).toEqual({ title: 'Buy milk', completed: false });
  }, 60_000);
});
