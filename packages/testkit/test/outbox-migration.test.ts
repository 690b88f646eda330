// Migration 0003 moves the outbox out of `events` (a `published_at` column) into a table of its
// own. A database that was running the older layout must keep every event that was still to
// publish, and only those: migrated here from 0002 with one published and one pending event.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { migrate, migrationsFolder } from '@taskflow/db';

const server = process.env.TEST_DATABASE_URL;
const name = `taskflow_migration_${Date.now().toString(36)}`;
let admin: postgres.Sql;
let sql: postgres.Sql;
let oldLayout: string;
let databaseUrl: string;

beforeAll(async () => {
  if (!server) throw new Error('TEST_DATABASE_URL is not set (bash scripts/provision/postgres.sh)');
  admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });

  // The migrations as they stood before 0003.
  oldLayout = mkdtempSync(join(tmpdir(), 'taskflow-migrations-'));
  cpSync(migrationsFolder, oldLayout, { recursive: true });
  const journalPath = join(oldLayout, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((entry) => entry.idx <= 2);
  writeFileSync(journalPath, JSON.stringify(journal));
  await drizzleMigrate(drizzle(sql), { migrationsFolder: oldLayout });
});

afterAll(async () => {
  await sql?.end();
  await admin?.unsafe(`drop database if exists "${name}" with (force)`);
  await admin?.end();
  if (oldLayout) rmSync(oldLayout, { recursive: true, force: true });
});

it('keeps exactly the events that were still to publish, then drops the column', async () => {
  const append = (eventId: string, published: boolean) => sql`
    insert into events (event_id, event_type, topic, user_id, aggregate_id, aggregate_version,
      correlation_id, occurred_at, envelope_version, data, published_at)
    values (${eventId}, 'task.created', 'tasks.events', 'u1', 't1', 1, 'c1', now(), 1, '{}',
      case when ${published} then now() end) returning seq`;
  await append('00000000-0000-4000-8000-000000000001', true);
  const [pending] = await append('00000000-0000-4000-8000-000000000002', false);

  await migrate(databaseUrl);

  const outbox = await sql<{ seq: string }[]>`select seq from outbox`;
  expect(outbox.map((row) => row.seq)).toEqual([pending!.seq]);
  const columns = await sql<{ column_name: string }[]>`
    select column_name from information_schema.columns where table_name = 'events'`;
  expect(columns.map((c) => c.column_name)).not.toContain('published_at');
  expect(await sql`select 1 from events`).toHaveLength(2);
});
