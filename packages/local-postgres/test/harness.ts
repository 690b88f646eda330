import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import postgres from 'postgres';
import { type LocalPostgres, startLocalPostgres } from '../src/index.ts';

// Each test has a folder of its own, so each makes its cluster from nothing (initdb, ~2 s).
const folders: string[] = [];
const servers: LocalPostgres[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function freshFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'taskflow-local-postgres-'));
  folders.push(dir);
  return join(dir, 'postgres');
}

/** Starts a server that the test's teardown stops, whatever the test did. */
export async function start(dataDir: string, port?: number): Promise<LocalPostgres> {
  const server = await startLocalPostgres({ dataDir, ...(port !== undefined && { port }) });
  servers.push(server);
  return server;
}

export async function query<T extends object>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text)) as unknown as T[];
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Resolves once `pid` no longer runs; false if it still runs after `ms`. */
export async function exits(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
