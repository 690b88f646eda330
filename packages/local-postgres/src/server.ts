import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import type { ServerAccount } from './account.ts';
import type { PostgresBinaries } from './binaries.ts';
import { cannotRun } from './cluster.ts';
import { LocalPostgresError } from './errors.ts';
import { HOST } from './port.ts';
import { guardServer } from './watchdog.ts';

export interface ServerOptions {
  dataDir: string;
  pgdata: string;
  port: number;
  binaries: PostgresBinaries;
  env: Record<string, string>;
  account: ServerAccount | undefined;
}

export interface RunningServer {
  pid: number;
  /** Fast shutdown (SIGINT): clients are disconnected, nothing committed is lost. */
  stop(): Promise<void>;
  /** Resolves when the server accepts connections on `url`; rejects when it exits first. */
  ready(url: string, timeoutMs: number): Promise<void>;
}

/**
 * Starts the postmaster on 127.0.0.1 only, with no Unix socket: nobody else on the machine can
 * reach it without the password, and a deep data folder cannot exceed the socket path limit.
 * Settings go on the command line, not into postgresql.conf, so each start applies this
 * version's. The server gets a process group of its own (a Ctrl-C in the terminal is the
 * application's to handle) and logs to `<dataDir>/postgres.log` (the previous run's is kept as
 * postgres.log.1).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = join(options.dataDir, 'postgres.log');
  await rename(log, `${log}.1`).catch(() => {});
  const fd = openSync(log, 'a', 0o600);
  const args = [
    '-D',
    options.pgdata,
    '-c',
    `port=${options.port}`,
    '-c',
    `listen_addresses=${HOST}`,
    '-c',
    'unix_socket_directories=',
  ];
  let child: ChildProcess;
  try {
    child = spawn(options.binaries.postgres, args, {
      env: options.env,
      stdio: ['ignore', fd, fd],
      detached: true,
      ...(options.account && { uid: options.account.uid, gid: options.account.gid }),
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(cannotRun(options.binaries.postgres, error).message));
    child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`));
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new LocalPostgresError(`local Postgres did not start: ${await exited}`);
  }
  const guard = guardServer(pid);
  void exited.then(() => guard.release());
  // The application's event loop may end without stop(): the watchdog then stops the server.
  child.unref();

  let gone = false;
  void exited.then(() => (gone = true));
  const failure = (why: string) =>
    new LocalPostgresError(
      `local Postgres on ${HOST}:${options.port} ${why}; the end of ${log}: ${tail(log)}`,
    );

  const stop = async () => {
    guard.release();
    if (gone) return;
    child.kill('SIGINT');
    // Fast shutdown takes well under a second; SIGQUIT (immediate) is for a stuck one.
    const stopped = await Promise.race([exited.then(() => true), sleep(30_000, false)]);
    if (!stopped) {
      child.kill('SIGQUIT');
      await exited;
    }
  };

  return {
    pid,
    stop,
    async ready(url, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (gone) throw failure(`stopped while starting (${await exited})`);
        const answer = await probe(url);
        if (answer === 'ok') return;
        if (answer instanceof Error) {
          throw failure(`refused this package's own login: ${answer.message}`);
        }
        if (Date.now() > deadline) {
          await stop();
          throw failure(`did not accept connections within ${timeoutMs} ms`);
        }
        await sleep(50);
      }
    },
  };
}

// Not yet listening or still starting up ("the database system is starting up"): try again.
const NOT_YET = new Set(['ECONNREFUSED', 'ECONNRESET', 'CONNECT_TIMEOUT', '57P03']);

async function probe(url: string): Promise<'ok' | 'not-yet' | Error> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return 'ok';
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code && NOT_YET.has(code) ? 'not-yet' : (error as Error);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function tail(log: string): string {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
