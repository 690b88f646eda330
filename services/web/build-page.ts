// Bundles the page (page/main.ts with @taskflow/client, contracts and zod) into one ES module
// and copies the static files next to it: dist/public is everything the server serves.
import { cpSync, mkdirSync } from 'node:fs';
import { build, type Plugin } from 'esbuild';

/**
 * zod exports every one of its ~45 locales through `z.locales`; since the schemas use the `z`
 * namespace, the bundler cannot drop them (400 KB of a 450 KB page). The page needs English
 * only, which zod installs by itself: the locale index becomes `en` alone.
 */
const englishOnly: Plugin = {
  name: 'zod-english-only',
  setup(builder) {
    builder.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/zod/')
        ? { path: 'zod-locales', namespace: 'zod-locales' }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: new URL('.', import.meta.url).pathname,
    }));
  },
};

const out = new URL('./dist/public/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
cpSync(new URL('./public/', import.meta.url).pathname, out, { recursive: true });
await build({
  entryPoints: [new URL('./page/main.ts', import.meta.url).pathname],
  outfile: `${out}app.js`,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  // Workspace packages as their TypeScript source: no build order to get wrong.
  conditions: ['@taskflow/source'],
  legalComments: 'none',
  plugins: [englishOnly],
});
