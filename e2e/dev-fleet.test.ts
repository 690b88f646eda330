// The dev fleet (scripts/dev.ts) as a developer uses it: started in a process group of its own,
// as a terminal runs a foreground job, then stopped by SIGINT to that whole group (Ctrl-C) or
// SIGTERM to the one process (`kill` of scripts/dev.sh, which execs dev.ts).
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerOfRun, createTestDatabase, findDaprd, type TestDatabase } from '@taskflow/testkit';

const repo = fileURLToPath(new URL('..', import.meta.url));
const broker = brokerOfRun();
let database: TestDatabase | undefined;
afterAll(() => database?.drop());

interface DevFleet {
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the output so far once a line matches. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
}

async function startDevFleet(): Promise<DevFleet> {
  database ??= await createTestDatabase();
  const child = spawn(process.execPath, ['--conditions=@taskflow/source', 'scripts/dev.ts'], {
    cwd: repo,
    env: { ...process.env, BROKER: broker, DAPRD: findDaprd(), DATABASE_URL: database.url },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, like a terminal's foreground job
  });
  let text = '';
  const listeners = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      for (const listener of listeners) listener();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    pid: child.pid!,
    output: () => text,
    exited,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(text)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(text);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${text}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => reject(new Error(`dev.ts exited before ${pattern}:\n${text}`)));
        check();
      }),
  };
}

function childrenOf(pid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map(Number);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The URLs the ready banner promises: every service, every sidecar, the page.
const promised = [
  ...[8000, 8010, 8020, 8030, 8080].map((port) => `http://127.0.0.1:${port}/readyz`),
  ...[3500, 3510, 3520, 3530].map((port) => `http://127.0.0.1:${port}/v1.0/healthz`),
];

describe(`the dev fleet (${broker})`, () => {
  for (const how of ['SIGINT to the process group (Ctrl-C)', 'SIGTERM to dev.ts'] as const) {
    it(`prints "ready" only when everything answers, and stops gracefully on ${how}`, async () => {
      const fleet = await startDevFleet();
      try {
        await fleet.waitFor(/taskflow is ready on/, 90_000);
        // At the moment of the line, not seconds later: every probe answers already.
        const answers = await Promise.all(
          promised.map(async (url) => [url, (await fetch(url)).status] as const),
        );
        const notReady = answers.filter(([, status]) => status !== 200 && status !== 204);
        expect(notReady, fleet.output()).toEqual([]);
        const children = childrenOf(fleet.pid);
        expect(children, fleet.output()).toHaveLength(9); // 4 services, 4 sidecars, the page

        if (how === 'SIGTERM to dev.ts') process.kill(fleet.pid, 'SIGTERM');
        else process.kill(-fleet.pid, 'SIGINT');
        const code = await fleet.exited;
        const output = fleet.output();
        expect(code, output).toBe(0);
        expect(children.filter(isRunning), output).toEqual([]);
        expect(output).not.toMatch(/second signal/);
        expect(output).not.toMatch(/level=fatal/);
        expect(output).not.toMatch(/exited \(.*\); stopping the fleet/);
        // Each service drained (service-kit's "shutting down") and each sidecar shut down.
        expect(output.match(/"msg":"shutting down"/g), output).toHaveLength(5);
        expect(
          output.match(/Daprd shutdown gracefully|dapr shutdown complete/gi),
          output,
        ).toHaveLength(4);
      } finally {
        if (isRunning(fleet.pid)) process.kill(-fleet.pid, 'SIGKILL');
      }
    }, 150_000);
  }

  it('a second Ctrl-C while stopping kills what is left at once and exits 1', async () => {
    const fleet = await startDevFleet();
    try {
      await fleet.waitFor(/taskflow is ready on/, 90_000);
      const children = childrenOf(fleet.pid);
      process.kill(-fleet.pid, 'SIGINT');
      await fleet.waitFor(/dev: SIGINT: stopping/, 5_000);
      process.kill(-fleet.pid, 'SIGINT');
      const code = await fleet.exited;
      const output = fleet.output();
      expect(code, output).toBe(1);
      expect(output).toMatch(/dev: second SIGINT: killing /);
      expect(children.filter(isRunning), output).toEqual([]);
    } finally {
      if (isRunning(fleet.pid)) process.kill(-fleet.pid, 'SIGKILL');
    }
  }, 150_000);
});
