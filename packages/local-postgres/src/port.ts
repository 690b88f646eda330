import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { LocalPostgresError, type LocalPostgresLogger } from './errors.ts';

export const HOST = '127.0.0.1';

/**
 * The port the server listens on. Asked for: that one, or an error when it is taken. Else the
 * one remembered in `<dataDir>/port`, so the URL stays the same from run to run; on the first
 * run, or when another program took it meanwhile, a free one the system picks, remembered.
 * A fixed default (5433) would clash with another Postgres, or another taskflow data folder.
 */
export async function choosePort(
  dataDir: string,
  requested: number | undefined,
  logger: LocalPostgresLogger,
): Promise<number> {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1 || requested > 65_535) {
      throw new LocalPostgresError(
        `local Postgres port must be an integer 1-65535, got ${requested}`,
      );
    }
    if (!(await isFree(requested))) {
      throw new LocalPostgresError(
        `local Postgres cannot listen on ${HOST}:${requested}: another program uses that port; pass another port, or none to let the system choose`,
      );
    }
    return requested;
  }
  const file = join(dataDir, 'port');
  const remembered = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(remembered) && remembered > 0 && (await isFree(remembered))) {
    return remembered;
  }
  const port = await freePort();
  if (remembered > 0) {
    logger.warn(
      `local Postgres: port ${remembered} is taken by another program; moving to ${port}`,
    );
  }
  await writeFile(file, `${port}\n`);
  return port;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: HOST, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
