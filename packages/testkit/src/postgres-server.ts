import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../scripts/provision/postgres.sh', import.meta.url));

export interface PostgresServer {
  /** The server's URL (database `postgres`), for createTestDatabase. */
  url: string;
  /** A fast shutdown (clients are disconnected, nothing committed is lost). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its cluster. */
  destroy(): Promise<void>;
}

/**
 * A Postgres server of its own, for a test that stops and restarts it: the server every other
 * test shares (TEST_DATABASE_URL) must never go down under them. The cluster is made by
 * scripts/provision/postgres.sh in a folder of the cache, on a free port, so it runs as the
 * `postgres` user when this process is root, exactly as the shared one does.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const port = await freePort();
  const cache = process.env.TASKFLOW_CACHE ?? join(homedir(), '.cache', 'taskflow');
  const dir = join(cache, `postgres-${port}`);
  const env = { ...process.env, PGPORT: String(port), TASKFLOW_POSTGRES_DIR: dir };
  const postgres = (command: 'start' | 'stop') =>
    run('bash', [script, command], { env, timeout: 120_000 }).then(
      ({ stdout }) => stdout.trim(),
      (error: Error & { stderr?: string }) => {
        throw new Error(`postgres.sh ${command} (port ${port}) failed: ${error.stderr ?? error}`, {
          cause: error,
        });
      },
    );
  const url = await postgres('start');
  return {
    url,
    stop: async () => void (await postgres('stop')),
    start: async () => void (await postgres('start')),
    async destroy() {
      await postgres('stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
