import { readdir } from 'node:fs/promises';
import { LocalPostgresError } from './errors.ts';

/** What a data folder holds (see README.md); nothing else is ever written there. */
const OWN_ENTRIES = new Set([
  'pgdata',
  'pgdata.new',
  'password',
  'port',
  'lib',
  'postgres.log',
  'postgres.log.1',
]);

/**
 * Refuses a folder that holds anything else: as root the whole folder is handed to the
 * server's account, which must never happen to, say, a home folder passed by mistake.
 */
export async function checkOwnFolder(dataDir: string): Promise<void> {
  const foreign = (await readdir(dataDir)).filter((entry) => !OWN_ENTRIES.has(entry));
  if (foreign.length > 0) {
    throw new LocalPostgresError(
      `${dataDir} holds files that are not the local Postgres' (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}): give it a folder of its own, such as ${dataDir}/postgres`,
    );
  }
}
