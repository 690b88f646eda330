import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { serverAccount } from '../src/account.ts';
import { freshFolder, query, start } from './harness.ts';

const run = promisify(execFile);

// CI and this repository's machines run as root, so this is the path they exercise.
describe('as root', () => {
  it('runs the server as an unprivileged user that owns the folder', async () => {
    expect(process.getuid?.()).toBe(0);
    const dir = await freshFolder();
    const server = await start(dir);
    const status = await readFile(`/proc/${server.pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    expect(uid).toBeGreaterThan(0);
    expect((await stat(join(dir, 'pgdata'))).uid).toBe(uid);
    expect((await stat(join(dir, 'password'))).uid).toBe(uid);
    // The superuser of SQL is not the superuser of the machine: a file only root may read
    // stays unread (42501: permission denied).
    const secret = join(dirname(dir), 'root-only.txt');
    await writeFile(secret, 'root only', { mode: 0o600 });
    await expect(query(server.url, `select pg_read_file('${secret}')`)).rejects.toMatchObject({
      code: '42501',
    });
  }, 60_000);

  it("gets through a folder only root may enter (as root's home is), by granting search permission", async () => {
    const locked = join(dirname(await freshFolder()), 'root-only');
    await mkdir(locked, { mode: 0o700 });
    const server = await start(join(locked, 'postgres'));
    expect(await query(server.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    // An ACL for that account where setfacl exists, else o+x: pass through, never list.
    const { mode } = await stat(locked);
    const acl = await run('getfacl', ['-cpn', locked]).then(
      ({ stdout }) => stdout,
      () => '',
    );
    expect(/^user:\d+:--x$/m.test(acl) || (mode & 0o001) === 0o001).toBe(true);
    expect(mode & 0o004).toBe(0);
  }, 60_000);

  it('falls back to nobody, and says what to do when no account fits', async () => {
    expect(await serverAccount(['no-such-user-tf', 'nobody'])).toMatchObject({ name: 'nobody' });
    await expect(serverAccount(['no-such-user-tf'])).rejects.toThrow(
      'Postgres refuses to run as root, and this machine has no user `no-such-user-tf` to run it as: create one (useradd --system postgres) or run taskflow as a normal user',
    );
  });
});
