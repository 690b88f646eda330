import { execFile, spawn } from 'node:child_process';
import { chmod, chown, lstat, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LocalPostgresError, type LocalPostgresLogger } from './errors.ts';

const run = promisify(execFile);

/** The unprivileged account the server runs as when this process is root. */
export interface ServerAccount {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Postgres refuses to run as root (a superuser's SQL could then do anything to the machine).
 * As root, the server runs as `postgres` when the machine has that user (the usual owner of
 * Postgres files), else as `nobody`, which every Linux and macOS has; no user is created.
 * Not root: undefined, the server runs as this process's user.
 */
export async function serverAccount(
  candidates: readonly string[] = ['postgres', 'nobody'],
): Promise<ServerAccount | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of candidates) {
    const account = await lookUp(name);
    if (account) return account;
  }
  throw new LocalPostgresError(
    `Postgres refuses to run as root, and this machine has no user ${candidates.map((name) => `\`${name}\``).join(' or ')} to run it as: create one (useradd --system postgres) or run taskflow as a normal user`,
  );
}

// `id` is on every Linux and macOS; Node itself cannot look up another user.
async function lookUp(name: string): Promise<ServerAccount | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      run('id', ['-u', name]).then(({ stdout }) => Number(stdout.trim())),
      run('id', ['-g', name]).then(({ stdout }) => Number(stdout.trim())),
    ]);
    return Number.isInteger(uid) && uid > 0 && Number.isInteger(gid)
      ? { name, uid, gid }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `account` can enter `dir`: asked of the system as that user, so ACLs count too. */
function canEnter(account: ServerAccount, dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], {
      uid: account.uid,
      gid: account.gid,
      stdio: 'ignore',
    });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/**
 * Lets `account` reach `dir`: a folder on the way that it may not pass (root's home, mode 0700,
 * is the usual one) gets search permission for that account only (an ACL, where `setfacl`
 * exists), else for everyone (`chmod o+x`: pass through, not list). Each change is logged.
 */
export async function grantPassage(
  account: ServerAccount,
  dir: string,
  logger: LocalPostgresLogger,
): Promise<void> {
  if (await canEnter(account, dir)) return;
  const ancestors: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    ancestors.unshift(d);
    if (dirname(d) === d) break;
  }
  // Top-down: a folder's permission only matters once its parent can be passed.
  for (const folder of ancestors) {
    if (await canEnter(account, folder)) continue;
    const how = (await setAcl(account, folder)) ? 'an ACL' : await chmodOthers(folder);
    logger.warn(
      `local Postgres runs as ${account.name} (Postgres refuses root): gave it search permission on ${folder} (${how})`,
    );
  }
  if (!(await canEnter(account, dir))) {
    throw new LocalPostgresError(
      `Postgres refuses to run as root, so it runs as ${account.name} (uid ${account.uid}), who cannot reach ${dir} even after search permission was granted on its parents: choose another folder (TASKFLOW_DATA_DIR) or run taskflow as a normal user`,
    );
  }
}

async function setAcl(account: ServerAccount, folder: string): Promise<boolean> {
  try {
    await run('setfacl', ['-m', `u:${account.uid}:x`, folder]);
    return true;
  } catch {
    return false;
  }
}

async function chmodOthers(folder: string): Promise<string> {
  const { mode } = await stat(folder);
  try {
    await chmod(folder, (mode & 0o7777) | 0o001);
  } catch (error) {
    throw new LocalPostgresError(
      `Postgres refuses to run as root, and the account it would run as cannot pass ${folder}, whose permissions cannot be changed (${(error as Error).message}): choose another folder (TASKFLOW_DATA_DIR) or run taskflow as a normal user`,
      { cause: error },
    );
  }
  return 'chmod o+x';
}

/** Hands the folder and everything in it to `account`, unless it owns it already. */
export async function handOver(account: ServerAccount, dir: string): Promise<void> {
  const top = await lstat(dir);
  if (top.uid === account.uid && top.gid === account.gid) return;
  await chownTree(account, dir);
}

async function chownTree(account: ServerAccount, path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isDirectory()) {
    for (const entry of await readdir(path)) await chownTree(account, join(path, entry));
  }
  // lchown semantics for links: the library links point into node_modules, which stays root's.
  if (!info.isSymbolicLink()) await chown(path, account.uid, account.gid);
}
