import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { connect, type Database } from '../src/client.ts';
import { migrate } from '../src/migrate.ts';
import { toTask } from '../src/rows.ts';
import { findTask, listTasks, updateTask } from '../src/tasks.ts';

// A due date in year 25 was stored correctly but read back through drizzle's timestamp column,
// which hands Postgres's text (`0025-01-06 06:00:00+00`) to `new Date()`: an Invalid Date, so
// every read of the task, and of the user's whole list, failed; years 50-99 read back as
// 1950-1999. The column now has a codec of its own (src/instant.ts); these rows go through the
// real driver and a real Postgres, in UTC and in a zone whose old offsets have seconds.
const server = process.env.TEST_DATABASE_URL;
if (!server) {
  throw new Error(
    'TEST_DATABASE_URL is not set: `bash scripts/provision/postgres.sh` starts a server and prints it',
  );
}
const name = `taskflow_test_instants_${randomBytes(3).toString('hex')}`;
const admin = postgres(server, { max: 1, onnotice: () => {} });
const url = new URL(server);
url.pathname = `/${name}`;
let database: Database;

beforeAll(async () => {
  await admin.unsafe(`create database "${name}"`);
  await migrate(url.toString());
  database = connect(url.toString(), { max: 2 });
});
afterAll(async () => {
  await database?.close();
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
});

/** A task row written as an older build wrote it: by Postgres, from ISO text. */
async function storedTask(userId: string, dueDate: string): Promise<string> {
  const id = randomUUID();
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await sql`insert into users (id) values (${userId}) on conflict do nothing`;
    await sql`insert into tasks (id, user_id, title, due_date)
      values (${id}, ${userId}, 'old', ${dueDate}::timestamptz)`;
  } finally {
    await sql.end();
  }
  return id;
}

describe('instants through the driver', () => {
  it.each([
    '0025-01-06T06:00:00.000Z',
    '0099-01-06T06:00:00.000Z',
    '0001-01-01T00:00:00.000Z',
    '1800-06-01T12:00:00.123Z',
    '9999-12-31T23:59:59.999Z',
  ])(
    'a row stored with due date %s reads back as that instant, alone and in the list',
    async (due) => {
      const user = `u-${randomUUID()}`;
      const id = await storedTask(user, due);
      const row = await findTask(database.db, user, id);
      expect(toTask(row!).due_date).toBe(due);
      const listed = await listTasks(database.db, user, { limit: 10 });
      expect(listed.map(({ row }) => toTask(row).due_date)).toEqual([due]);
    },
  );

  it('writes and reads back years before 100 and 1 BC, and filters by them', async () => {
    const user = `u-${randomUUID()}`;
    const id = await storedTask(user, '2026-01-01T00:00:00Z');
    const yearOneBc = new Date(Date.UTC(2000, 5, 1, 12));
    yearOneBc.setUTCFullYear(0);
    for (const due of [new Date('0025-01-06T06:00:00.000Z'), yearOneBc]) {
      await updateTask(database.db, id, { dueDate: due });
      expect((await findTask(database.db, user, id))!.dueDate!.getTime()).toBe(due.getTime());
      const before = await listTasks(database.db, user, {
        limit: 10,
        dueBefore: new Date(due.getTime() + 1),
        dueAfter: new Date(due.getTime() - 1),
      });
      expect(before.map(({ row }) => row.id)).toEqual([id]);
    }
  });

  it('reads the same instants in a session zone with LMT offsets (seconds)', async () => {
    const user = `u-${randomUUID()}`;
    const id = await storedTask(user, '1800-01-06T06:00:00.000Z');
    const berlin = connect(`${url.toString()}?TimeZone=Europe%2FBerlin`, { max: 1 });
    try {
      const [zone] = await berlin.db.execute<{ TimeZone: string }>(sql`show timezone`);
      expect(zone!.TimeZone).toBe('Europe/Berlin');
      const row = await findTask(berlin.db, user, id);
      expect(row!.dueDate!.toISOString()).toBe('1800-01-06T06:00:00.000Z');
    } finally {
      await berlin.close();
    }
  });
});
