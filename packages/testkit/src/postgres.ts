import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migrate } from '@taskflow/db';

export interface TestDatabase {
  /** URL of a fresh, migrated database of its own. */
  url: string;
  drop(): Promise<void>;
}

const HOW_TO =
  'Set TEST_DATABASE_URL to a Postgres server URL whose user may CREATE DATABASE ' +
  '(`bash scripts/provision/postgres.sh` starts one and prints it), or run a Docker engine ' +
  'for testcontainers.';

/**
 * A fresh database for one test run, on `serverUrl` (a server of the test's own), else on the
 * server named by TEST_DATABASE_URL, or in a testcontainers Postgres where a Docker engine runs.
 * With none, it fails and says how to fix it: a test never passes by not running.
 */
export async function createTestDatabase(serverUrl?: string): Promise<TestDatabase> {
  const server = serverUrl ?? process.env.TEST_DATABASE_URL ?? (await startContainer());
  const name = `${PREFIX}${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`create database "${name}"`);
    swept ??= dropLeftoverDatabases(admin).catch(() => {}); // best effort, once per process
    await swept;
  } catch (error) {
    await admin.end();
    throw new Error(
      `cannot create a test database on ${redact(server)}: ${String(error)}\n${HOW_TO}`,
      { cause: error },
    );
  }
  const url = withDatabase(server, name);
  await migrate(url);
  return {
    url,
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

const PREFIX = 'taskflow_test_';
/** No test run lasts this long (a whole CI run takes about 13 minutes). */
const LEFTOVER_AFTER_MS = 3 * 60 * 60 * 1000;
let swept: Promise<unknown> | undefined;

/**
 * Drops the test databases that killed runs left behind (a run's own databases are dropped when
 * it ends, but not when it is killed). Dozens of them piled up on a dev machine in a day, and
 * Postgres's autovacuum launcher visits every database in turn. A database is a leftover when
 * the time in its name is more than 3 hours old and nobody is connected to it: without `force`,
 * Postgres refuses to drop a database in use, and that one is left alone.
 */
export async function dropLeftoverDatabases(admin: postgres.Sql, now = Date.now()) {
  const rows = await admin<{ datname: string }[]>`
    select datname from pg_database where starts_with(datname, ${PREFIX})`;
  const dropped: string[] = [];
  for (const { datname } of rows) {
    const created = parseInt(datname.slice(PREFIX.length).split('_')[0]!, 36);
    if (!(now - created > LEFTOVER_AFTER_MS)) continue;
    try {
      await admin.unsafe(`drop database if exists "${datname}"`);
      dropped.push(datname);
    } catch {
      // in use, or being dropped by another run at the same moment
    }
  }
  return dropped;
}

async function startContainer(): Promise<string> {
  const dockerReachable =
    process.env.DOCKER_HOST !== undefined || existsSync('/var/run/docker.sock');
  if (!dockerReachable) throw new Error(`no Postgres for tests. ${HOW_TO}`);
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:17-alpine').start();
  return container.getConnectionUri();
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const redact = (url: string) => url.replace(/\/\/([^:/]+):[^@]+@/, '//$1:***@');
