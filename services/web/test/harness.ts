import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { createLogger } from '@taskflow/service-kit';
import { buildWeb } from '../src/app.ts';
import { loadWebConfig } from '../src/config.ts';

export const SECRET = 'web-test-secret-of-at-least-32-chars!';
const publicDir = fileURLToPath(new URL('../public/', import.meta.url));

/** The web app on a free port, from the real config parser; its log lines are kept. */
export async function startWeb(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = loadWebConfig(env);
  const app = await buildWeb({ config, logger: createLogger('web', 'trace', sink), publicDir });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  afterAll(() => app.close());
  return { app, port, url: `http://127.0.0.1:${port}`, logs: () => lines.join('') };
}
