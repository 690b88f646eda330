import { mkdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { grantPassage, handOver, serverAccount } from './account.ts';
import { linkLibraries, locateBinaries } from './binaries.ts';
import { SUPERUSER, ensureCluster, pgdataIn } from './cluster.ts';
import { type LocalPostgresLogger, silentLogger } from './errors.ts';
import { checkOwnFolder } from './folder.ts';
import { HOST, choosePort } from './port.ts';
import { startServer } from './server.ts';
import { clearStaleServer } from './stale-server.ts';

export const DATABASE = 'taskflow';

export interface LocalPostgresOptions {
  /** The folder this server owns: `defaultPostgresDir(process.env)` for the usual one. */
  dataDir: string;
  /** A fixed port; without it, the one remembered in the folder (see port.ts). */
  port?: number;
  logger?: LocalPostgresLogger;
  /** How long the server may take to accept connections (30 s). */
  readyTimeoutMs?: number;
}

export interface LocalPostgres {
  /** postgres://taskflow:<password>@127.0.0.1:<port>/taskflow */
  url: string;
  /** The postmaster's process id. */
  pid: number;
  /** Fast shutdown; resolves once the server has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts taskflow's own Postgres from the npm binaries: makes the cluster on the first run,
 * reuses it later, and resolves once the `taskflow` database accepts connections.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const logger = options.logger ?? silentLogger;
  const binaries = locateBinaries();
  const account = await serverAccount();
  await mkdir(resolve(options.dataDir), { recursive: true, mode: 0o700 });
  // Canonical, as the system reports a server's working directory (stale-server.ts).
  const dataDir = await realpath(resolve(options.dataDir));
  await checkOwnFolder(dataDir);
  if (account) {
    await handOver(account, dataDir);
    await grantPassage(account, dataDir, logger);
    await grantPassage(account, binaries.packageDir, logger);
  }
  const pgdata = pgdataIn(dataDir);
  // First: a server still running here must not see its port or its libraries touched.
  await clearStaleServer(pgdata, logger);
  // Before initdb: a port taken is known at once.
  const port = await choosePort(dataDir, options.port, logger);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...(process.env.TZ && { TZ: process.env.TZ }),
    ...(await linkLibraries(binaries, join(dataDir, 'lib'))),
  };
  const context = { dataDir, binaries, env, account, logger };
  const { password } = await ensureCluster(context);
  const server = await startServer({ ...context, pgdata, port });
  const urlOf = (database: string) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(password)}@${HOST}:${port}/${database}`;
  try {
    await server.ready(urlOf('postgres'), options.readyTimeoutMs ?? 30_000);
    await ensureDatabase(urlOf('postgres'));
  } catch (error) {
    await server.stop();
    throw error;
  }
  logger.info(`local Postgres ready on ${HOST}:${port} (pid ${server.pid}, data in ${pgdata})`);
  return { url: urlOf(DATABASE), pid: server.pid, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${DATABASE}`;
    if (!found) await sql`create database ${sql(DATABASE)}`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
