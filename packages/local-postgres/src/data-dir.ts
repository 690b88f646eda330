import { join } from 'node:path';
import { LocalPostgresError } from './errors.ts';

/** The variables `defaultDataDir` reads; `process.env` fits. */
export interface DataDirEnv {
  TASKFLOW_DATA_DIR?: string | undefined;
  XDG_DATA_HOME?: string | undefined;
  HOME?: string | undefined;
}

/**
 * taskflow's data folder: TASKFLOW_DATA_DIR when set, else `<XDG_DATA_HOME or
 * $HOME/.local/share>/taskflow` (the XDG base directory rule: data a user would miss, unlike a
 * cache). An empty variable counts as unset, and a relative XDG_DATA_HOME is ignored, as the
 * XDG specification says.
 */
export function defaultDataDir(env: DataDirEnv): string {
  if (env.TASKFLOW_DATA_DIR) return env.TASKFLOW_DATA_DIR;
  const xdg = env.XDG_DATA_HOME;
  if (xdg && xdg.startsWith('/')) return join(xdg, 'taskflow');
  if (!env.HOME) {
    throw new LocalPostgresError(
      "no folder for taskflow's data: neither TASKFLOW_DATA_DIR, XDG_DATA_HOME nor HOME is set; set TASKFLOW_DATA_DIR to a folder of your choice",
    );
  }
  return join(env.HOME, '.local', 'share', 'taskflow');
}

/** The local Postgres' folder in taskflow's data folder: `<defaultDataDir(env)>/postgres`. */
export function defaultPostgresDir(env: DataDirEnv): string {
  return join(defaultDataDir(env), 'postgres');
}
