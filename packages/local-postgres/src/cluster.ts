import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerAccount } from './account.ts';
import type { PostgresBinaries } from './binaries.ts';
import { LocalPostgresError, type LocalPostgresLogger } from './errors.ts';

/** The superuser initdb makes, and the name in the URL. */
export const SUPERUSER = 'taskflow';

export interface Cluster {
  /** The Postgres data directory (PGDATA): `<dataDir>/pgdata`. */
  pgdata: string;
  password: string;
}

export interface ClusterContext {
  dataDir: string;
  binaries: PostgresBinaries;
  env: Record<string, string>;
  account: ServerAccount | undefined;
  logger: LocalPostgresLogger;
}

/** Where the cluster of a data folder is. */
export function pgdataIn(dataDir: string): string {
  return join(dataDir, 'pgdata');
}

/**
 * The cluster in `<dataDir>/pgdata`, made by initdb on the first run. initdb writes into
 * `pgdata.new`, renamed once it succeeded, so a run killed halfway is redone, never reused.
 * The superuser's password is generated then and kept in `<dataDir>/password` (mode 0600).
 */
export async function ensureCluster(context: ClusterContext): Promise<Cluster> {
  const { dataDir } = context;
  const pgdata = pgdataIn(dataDir);
  const passwordFile = join(dataDir, 'password');
  if (existsSync(pgdata)) {
    if (!existsSync(passwordFile)) {
      throw new LocalPostgresError(
        `the local Postgres in ${pgdata} was made with a password kept in ${passwordFile}, which is gone: restore that file, or delete ${dataDir} to start with an empty database`,
      );
    }
    return { pgdata, password: (await readFile(passwordFile, 'utf8')).trim() };
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (context.account) await chown(passwordFile, context.account.uid, context.account.gid);
  const fresh = `${pgdata}.new`;
  await rm(fresh, { recursive: true, force: true });
  context.logger.info(`local Postgres: creating a cluster in ${pgdata}`);
  await initdb(context, fresh, passwordFile);
  await rename(fresh, pgdata);
  return { pgdata, password };
}

function initdb(context: ClusterContext, pgdata: string, passwordFile: string): Promise<void> {
  const args = [
    `--pgdata=${pgdata}`,
    `--username=${SUPERUSER}`,
    `--pwfile=${passwordFile}`,
    // Passwords on the socket too: sockets are off (see server.ts), but never `trust`.
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    // Postgres' own Unicode locale: sorting and case mapping need no OS locale, which a
    // fresh machine or a slim container may lack; C for what still asks the OS.
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
    '--locale=C',
    // One syncfs() instead of an fsync per file: the first start takes half the time.
    ...(process.platform === 'linux' ? ['--sync-method=syncfs'] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(context.binaries.initdb, args, {
      env: context.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(context.account && { uid: context.account.uid, gid: context.account.gid }),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(cannotRun(context.binaries.initdb, error)));
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      reject(
        new LocalPostgresError(
          `initdb failed (${signal ?? `exit code ${code}`}) making the local Postgres in ${pgdata}: ${output.trim().split('\n').slice(-5).join(' | ')}`,
        ),
      );
    });
  });
}

/** A binary that exists but will not start: the usual cause is a system without glibc. */
export function cannotRun(binary: string, error: Error & { code?: string }): LocalPostgresError {
  const hint =
    error.code === 'ENOENT' && existsSync(binary)
      ? ' (the file is there, so its loader is not: the npm binaries need glibc, which musl systems such as Alpine lack)'
      : '';
  return new LocalPostgresError(`cannot run ${binary}: ${error.message}${hint}`, { cause: error });
}
