// Test databases a killed run left behind are dropped by the next run, and only those: not a
// recent one, and not an old one somebody is still connected to. Real Postgres (TEST_DATABASE_URL).
import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { dropLeftoverDatabases } from '../src/postgres.ts';

const server = process.env.TEST_DATABASE_URL;
if (!server) throw new Error('TEST_DATABASE_URL is not set (scripts/provision/postgres.sh)');
const admin = postgres(server, { max: 1, onnotice: () => {} });
afterAll(() => admin.end());

const HOUR = 60 * 60 * 1000;
const named = (createdAt: number, tag: string) =>
  `taskflow_test_${createdAt.toString(36)}_${tag}${Math.random().toString(16).slice(2, 6)}`;
const exists = async (name: string) =>
  (await admin`select 1 from pg_database where datname = ${name}`).length === 1;

describe('dropLeftoverDatabases', () => {
  it('drops old, unused test databases and keeps recent or connected ones', async () => {
    const now = Date.now();
    const old = named(now - 4 * HOUR, 'a');
    const oldInUse = named(now - 4 * HOUR, 'b');
    const recent = named(now - HOUR, 'c');
    for (const name of [old, oldInUse, recent]) await admin.unsafe(`create database "${name}"`);
    const user = postgres(Object.assign(new URL(server), { pathname: `/${oldInUse}` }).toString(), {
      max: 1,
    });
    try {
      await user`select 1`; // holds a connection to it

      const dropped = await dropLeftoverDatabases(admin, now);

      expect(dropped).toContain(old);
      expect(await exists(old)).toBe(false);
      expect(await exists(oldInUse)).toBe(true);
      expect(await exists(recent)).toBe(true);
    } finally {
      await user.end();
      for (const name of [old, oldInUse, recent]) {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      }
    }
  });
});
