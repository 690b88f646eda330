import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript source under this condition, so tests run the
// code as written, with no build step in between.
const resolve = { conditions: ['@taskflow/source', 'node', 'import', 'default'] };

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions: resolve.conditions, externalConditions: resolve.conditions } },
  test: {
    reporters: ['default', './scripts/vitest-summary.ts'],
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts'],
        },
      },
    ],
  },
});
