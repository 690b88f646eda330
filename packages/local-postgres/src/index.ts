export { defaultDataDir, defaultPostgresDir, type DataDirEnv } from './data-dir.ts';
export { LocalPostgresError, type LocalPostgresLogger } from './errors.ts';
export { SUPPORTED_PLATFORMS, locateBinaries } from './binaries.ts';
export {
  DATABASE,
  startLocalPostgres,
  type LocalPostgres,
  type LocalPostgresOptions,
} from './start.ts';
