import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

/** Every non-test TypeScript file under packages/*\/src and services/*\/src, but this package. */
function productionFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path);
      } else if (/\.[cm]?[tj]sx?$/.test(entry.name) && !/\.test\.[cm]?[tj]sx?$/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  for (const top of ['packages', 'services']) {
    for (const entry of readdirSync(join(root, top), { withFileTypes: true })) {
      if (!entry.isDirectory() || (top === 'packages' && entry.name === 'outbound')) continue;
      const src = join(root, top, entry.name, 'src');
      try {
        walk(src);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  return files;
}

describe('@taskflow/outbound/testing', () => {
  // The one way to reach a loopback receiver is a policy from the testing entry; service code
  // that imported it could pass that policy in production. Tests and the testkit may.
  it('is imported by no production source file', () => {
    const offenders = productionFiles()
      .filter((file) => !relative(root, file).startsWith(join('packages', 'testkit')))
      .filter((file) => readFileSync(file, 'utf8').includes('@taskflow/outbound/testing'))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });
});
