import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exits, freshFolder, query, start } from './harness.ts';

const LONG = 60_000; // two initdb runs and restarts on a busy two-core machine

describe('startLocalPostgres', () => {
  it(
    'makes a cluster on the first run and keeps its data, port and URL across a restart',
    async () => {
      const dir = await freshFolder();
      const first = await start(dir);
      expect(first.url).toMatch(/^postgres:\/\/taskflow:[\w-]+@127\.0\.0\.1:\d+\/taskflow$/);
      await query(first.url, 'create table notes (body text not null)');
      await query(first.url, "insert into notes values ('survives a restart ✓')");
      await first.stop();
      expect(await exits(first.pid, 1_000)).toBe(true);

      const second = await start(dir);
      expect(second.url).toBe(first.url);
      expect(await query(second.url, 'select body from notes')).toEqual([
        { body: 'survives a restart ✓' },
      ]);
    },
    LONG,
  );

  it(
    'listens on 127.0.0.1 only, with no socket, a UTF8 database and no login without the password',
    async () => {
      const dir = await freshFolder();
      const server = await start(dir);
      const [settings] = await query<Record<string, string>>(
        server.url,
        `select current_setting('listen_addresses') as listen,
                current_setting('unix_socket_directories') as sockets,
                pg_encoding_to_char(encoding) as encoding, datlocprovider as provider,
                version() as version
         from pg_database where datname = current_database()`,
      );
      expect(settings).toMatchObject({ listen: '127.0.0.1', sockets: '', encoding: 'UTF8' });
      expect(settings?.provider).toBe('b'); // builtin: no OS locale needed
      expect(settings?.version).toMatch(/^PostgreSQL 18\./);

      const password = (await stat(join(dir, 'password'))).mode & 0o777;
      expect(password.toString(8)).toBe('600');
      const stored = (await readFile(join(dir, 'password'), 'utf8')).trim();
      expect(server.url).toContain(`:${stored}@`);

      const wrong = new URL(server.url);
      wrong.password = 'not-the-password';
      await expect(query(wrong.toString(), 'select 1')).rejects.toMatchObject({ code: '28P01' });
    },
    LONG,
  );

  it(
    'stops fast and refuses a second server on the same folder',
    async () => {
      const dir = await freshFolder();
      const server = await start(dir);
      await expect(start(dir)).rejects.toThrow(
        new RegExp(`a Postgres server already runs on .* \\(pid ${server.pid}\\)`),
      );
      const began = Date.now();
      await server.stop();
      expect(Date.now() - began).toBeLessThan(5_000);
      await server.stop(); // twice is harmless
    },
    LONG,
  );

  it(
    'refuses a port another program listens on, naming it',
    async () => {
      const dir = await freshFolder();
      const first = await start(dir);
      const taken = Number(new URL(first.url).port);
      await expect(start(await freshFolder(), taken)).rejects.toThrow(
        `local Postgres cannot listen on 127.0.0.1:${taken}: another program uses that port`,
      );
    },
    LONG,
  );

  it('refuses a folder that holds files of something else, before touching it', async () => {
    const dir = await freshFolder();
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(start(dir)).rejects.toThrow(
      `${dir} holds files that are not the local Postgres' (notes.txt): give it a folder of its own, such as ${dir}/postgres`,
    );
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });
});
