import { connect, type Database } from '@taskflow/db';
import { UnreachableError } from '../errors.ts';

/** Where a command writes: results to `out` (stdout), progress and problems to `err` (stderr). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  // Lines, not console.log: no formatting of the argument, and on Linux both streams write
  // synchronously to pipes and files, so millions of lines never pile up in memory.
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** A small pool (the CLI runs one query at a time) that has answered a first query. */
export async function openDatabase(url: string): Promise<Database> {
  const database = connect(url, { max: 2, applicationName: 'taskflow-replay' });
  if (await database.ping()) return database;
  await database.close();
  throw new UnreachableError(
    `the database at ${url.replace(/\/\/([^:/]+):[^@]+@/, '//$1:***@')} did not answer`,
  );
}
