import { join } from 'node:path';
import { LocalPostgresError } from './errors.ts';

/** The variables `defaultDataDir` reads; `process.env` fits. */
export interface DataDirEnv {
  TASKFLOW_DATA_DIR?: string | undefined;
  XDG_DATA_HOME?: string | undefined;
  HOME?: string | undefined;
}

/**
 * The folder of the local Postgres: `<TASKFLOW_DATA_DIR>/postgres` when that is set, else
 * `<XDG_DATA_HOME or $HOME/.local/share>/taskflow/postgres` (the XDG base directory rule:
 * data a user would miss, unlike a cache). An empty variable counts as unset, and a relative
 * XDG_DATA_HOME is ignored, as the XDG specification says.
 */
export function defaultDataDir(env: DataDirEnv): string {
  const own = env.TASKFLOW_DATA_DIR;
  if (own) return join(own, 'postgres');
  const xdg = env.XDG_DATA_HOME;
  if (xdg && xdg.startsWith('/')) return join(xdg, 'taskflow', 'postgres');
  if (!env.HOME) {
    throw new LocalPostgresError(
      'no folder for the local Postgres: neither TASKFLOW_DATA_DIR, XDG_DATA_HOME nor HOME is set; set TASKFLOW_DATA_DIR to a folder of your choice',
    );
  }
  return join(env.HOME, '.local', 'share', 'taskflow', 'postgres');
}
