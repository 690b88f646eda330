import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startProcess } from '@taskflow/testkit';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'taskflow-zero-setup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The README's first command, as a new user runs it: a clean clone (of this checkout's HEAD),
 * `bash scripts/start.sh`, no node_modules, no DATABASE_URL, an empty data folder. What a new
 * machine would also lack is the pnpm store and the cached Node 24: the clone shares this
 * machine's (the cold first run is measured by hand and written in the README).
 */
describe('zero-setup first run (bash scripts/start.sh from a clean clone)', () => {
  it('serves the page and the API on one port with its own Postgres, and stops cleanly', async () => {
    const clone = join(work, 'taskflow');
    execFileSync('git', ['clone', '--quiet', repo, clone]);
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? work,
      PORT: String(port),
      TASKFLOW_DATA_DIR: join(work, 'data'),
    };
    const run = startProcess({
      name: 'start.sh',
      command: 'bash',
      args: ['scripts/start.sh'],
      env,
      cwd: clone,
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 240_000;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        if (run.exitStatus()) throw new Error(`start.sh exited: ${run.logs()}`);
        ready = await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ready) await sleep(250);
      }
      expect(ready, run.logs()).toBe(true);

      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const { token } = (await (
        await fetch(`${base}/dev/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: 'newcomer' }),
        })
      ).json()) as { token: string };
      const created = await fetch(`${base}/api/newcomer/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'first task' }),
      });
      expect(created.status, run.logs()).toBe(201);
      const list = (await (
        await fetch(`${base}/api/newcomer/tasks`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { items: Array<{ title: string }> };
      expect(list.items.map((task) => task.title)).toEqual(['first task']);
    } finally {
      await run.stop();
    }
    expect(run.exitStatus(), run.logs()).toEqual({ code: 0, signal: null });
  }, 300_000);
});
