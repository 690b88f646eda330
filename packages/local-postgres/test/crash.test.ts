import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exits, freshFolder, query, start } from './harness.ts';

const LONG = 60_000;
/** The user and group a process runs as, from /proc (Linux). */
async function ownerOf(pid: number): Promise<{ uid: number; gid: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const id = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { uid: id('Uid'), gid: id('Gid') };
}

const hang = fileURLToPath(new URL('./fixtures/start-and-hang.ts', import.meta.url));

describe('after a crash', () => {
  it(
    'starts again after the postmaster was killed with SIGKILL, its data intact',
    async () => {
      const dir = await freshFolder();
      const first = await start(dir);
      await query(first.url, 'create table kept as select 42 as answer');
      process.kill(first.pid, 'SIGKILL');
      expect(await exits(first.pid, 5_000)).toBe(true);

      const second = await start(dir);
      expect(second.pid).not.toBe(first.pid);
      expect(await query(second.url, 'select answer from kept')).toEqual([{ answer: 42 }]);
    },
    LONG,
  );

  it(
    'starts when postmaster.pid names a live process that is not a Postgres server',
    async () => {
      const dir = await freshFolder();
      const first = await start(dir);
      const owner = await ownerOf(first.pid);
      await first.stop();
      // As after a container restart: the old number now belongs to another program of the
      // server's user, and Postgres alone would refuse with "lock file already exists". (Its
      // check passes a pid of its parent, or of another user, which cannot be a postmaster.)
      const other = spawn('sleep', ['60'], { stdio: 'ignore', ...owner });
      try {
        await writeFile(join(dir, 'pgdata', 'postmaster.pid'), `${other.pid}\n${dir}/pgdata\n`);
        const second = await start(dir);
        expect(await query(second.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      } finally {
        other.kill();
      }
    },
    LONG,
  );

  it(
    'does not outlive a starter that was killed without calling stop()',
    async () => {
      const dir = await freshFolder();
      const starter = spawn(process.execPath, ['--conditions=@taskflow/source', hang, dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [line] = (await once(starter.stdout, 'data')) as [Buffer];
      const { pid, url } = JSON.parse(line.toString()) as { pid: number; url: string };
      expect(await query(url, 'select 1 as one')).toEqual([{ one: 1 }]);

      starter.kill('SIGKILL');
      const stopped = await exits(pid, 10_000);
      if (!stopped) process.kill(pid, 'SIGINT'); // the orphan this test is about: no leftovers
      expect(stopped).toBe(true);
      // The watchdog's SIGINT is a clean shutdown: the next start finds no stale lock.
      const again = await start(dir);
      expect(await query(again.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    },
    LONG,
  );
});
