import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@taskflow/contracts';
import { createTestDatabase } from '@taskflow/testkit';

// The built artifact, as operators run it: `node services/task-api/dist/main.js`.
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

describe('node services/task-api/dist/main.js', () => {
  it('refuses to start on a bad environment, naming each variable', async () => {
    const { child, output } = run({ PORT: 'x' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toMatch(/task-api: invalid environment/);
    for (const name of ['PORT', 'DATABASE_URL', 'AUTH_JWT_SECRET'])
      expect(output()).toContain(name);
  });

  it('serves, reports ready, and stops cleanly on SIGTERM', async () => {
    const database = await createTestDatabase();
    afterAll(() => database.drop());
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const { child, output } = run({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      AUTH_JWT_SECRET: 'x'.repeat(32),
      LOG_LEVEL: 'info',
    });
    try {
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await fetch(`http://127.0.0.1:${port}/readyz`)
          .then((r) => r.status)
          .catch(() => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status, output()).toBe(200);

      // Bytes that are not HTTP at all still get the uniform error body.
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1.1 400/);
      expect(ErrorBody.parse(JSON.parse(raw.split('\r\n\r\n')[1]!)).error.code).toBe(
        'validation_failed',
      );
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code, output()).toBe(0);
  });
});
