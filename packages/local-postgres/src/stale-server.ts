import { execFile } from 'node:child_process';
import { readFile, readdir, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalPostgresError, type LocalPostgresLogger } from './errors.ts';

const run = promisify(execFile);

/**
 * Clears what a killed server left in `pgdata`, or refuses when a server still runs there.
 *
 * Postgres itself reuses a postmaster.pid whose process is gone, but refuses one whose number
 * now belongs to another process, as it often does after a restart of a container. So:
 * a live postmaster on this very folder is an error (two servers on one cluster corrupt it);
 * otherwise the file is stale, and is removed once no old server process works in the folder
 * any more (Linux: each one's working directory is the cluster; they exit within moments of
 * their postmaster's death).
 */
export async function clearStaleServer(
  pgdata: string,
  logger: LocalPostgresLogger,
  waitMs = 10_000,
): Promise<void> {
  const pidFile = join(pgdata, 'postmaster.pid');
  const pid = await readPid(pidFile);
  if (pid === undefined) return;
  if (isAlive(pid) && (await isPostmasterOf(pid, pgdata))) {
    throw new LocalPostgresError(
      `a Postgres server already runs on ${pgdata} (pid ${pid}), started by another taskflow process: stop that process first (or \`kill -INT ${pid}\` if it was left behind)`,
    );
  }
  const deadline = Date.now() + waitMs;
  let leftover = await processesIn(pgdata);
  while (leftover.length > 0 && Date.now() < deadline) {
    await sleep(100);
    leftover = await processesIn(pgdata);
  }
  if (leftover.length > 0) {
    throw new LocalPostgresError(
      `processes of an old Postgres server still work in ${pgdata} (pids ${leftover.join(', ')}) ${waitMs} ms after its postmaster (pid ${pid}) stopped: stop them (kill -QUIT), then start again`,
    );
  }
  await rm(pidFile, { force: true });
  logger.warn(`local Postgres: removed the stale ${pidFile} of pid ${pid}, no longer running`);
}

async function readPid(pidFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n')[0]);
  // A file cut short by the kill names no process: nothing to ask the system.
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

function isAlive(pid: number): boolean {
  if (pid === 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it lives, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The postmaster runs with the arguments server.ts gave it: `-D <pgdata>`. */
async function isPostmasterOf(pid: number, pgdata: string): Promise<boolean> {
  let args: string[];
  if (process.platform === 'linux') {
    try {
      args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    } catch {
      return false;
    }
  } else {
    try {
      args = (await run('ps', ['-o', 'command=', '-p', String(pid)])).stdout.trim().split(' ');
    } catch {
      return false;
    }
  }
  const d = args.indexOf('-D');
  return d >= 0 && args[d + 1] === pgdata;
}

/** Processes whose working directory is `pgdata` (Linux; elsewhere none are seen). */
async function processesIn(pgdata: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readlink(`/proc/${entry}/cwd`)) === pgdata) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or another user's process when not root: not ours either way.
    }
  }
  return found;
}
