import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { userEvents } from '@taskflow/db';
import { testStore } from './store.ts';
import { randomWorkload } from './workload.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const store = await testStore();
const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));

/** `pnpm replay ...` as an operator runs it: a child process, judged by its exit code and output. */
function replay(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@taskflow/source', join(repo, 'packages/replay/src/cli.ts'), ...args],
      { cwd: repo, env: { PATH: process.env.PATH ?? '', DATABASE_URL: store.url, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let users: string[];
beforeAll(async () => {
  users = await randomWorkload(store.write, { seed: 7, users: 3, operations: 60 });
  await store.sql`update events set published_at = now()`;
}, 60_000);

describe('pnpm replay verify', () => {
  it('exits 0 and says so when the table is what the events say', async () => {
    const { code, stdout } = await replay(['verify']);
    expect(stdout).toContain('no differences: the tasks table is what the events say');
    expect(code).toBe(0);
  });

  it('after a row is corrupted by hand: exactly that row and field, exit 1', async () => {
    const [victim] = await store.sql<{ id: string; user_id: string; title: string }[]>`
      select id, user_id, title from tasks order by id limit 1`;
    await store.sql`update tasks set title = 'corrupted' where id = ${victim!.id}`;
    try {
      const text = await replay(['verify']);
      expect(text.code).toBe(1);
      const lines = text.stdout.trim().split('\n');
      expect(lines[0]).toBe(
        `field    task ${victim!.id} (user ${victim!.user_id}) title: ` +
          `events ${JSON.stringify(victim!.title)}, table "corrupted"`,
      );
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(/^replay verify: folded/),
        '1 difference (1 field)',
      ]);

      const json = await replay([
        'verify',
        '--json',
        '--user',
        victim!.user_id,
        '--batch-size',
        '3',
      ]);
      expect(json.code).toBe(1);
      const [difference, summary] = json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(difference).toEqual({
        kind: 'field',
        task_id: victim!.id,
        user_id: victim!.user_id,
        field: 'title',
        expected: victim!.title,
        actual: 'corrupted',
      });
      expect(summary.summary.differences).toEqual({
        field: 1,
        missing: 0,
        deleted: 0,
        unknown: 0,
        history: 0,
      });
    } finally {
      await store.sql`update tasks set title = ${victim!.title} where id = ${victim!.id}`;
    }
    expect((await replay(['verify'])).code).toBe(0);
  });

  it('exits 3 when the database does not answer, 2 on a bad argument', async () => {
    const down = await replay(['verify'], {
      DATABASE_URL: 'postgres://taskflow:secret@127.0.0.1:1/none',
    });
    expect(down).toMatchObject({ code: 3 });
    expect(down.stderr).toContain('postgres://taskflow:***@127.0.0.1:1/none did not answer');
    expect(await replay(['verify', '--batch-size', 'lots'])).toMatchObject({ code: 2 });
  });
});

describe('pnpm replay republish: arguments', () => {
  it.each([
    [[], '--since is required'],
    [['--since', 'last tuesday'], '--since must be an instant with its offset'],
    [['--since', '1h', '--rate', '-5'], "Option '--rate' argument is ambiguous"],
    [
      ['--since', '1h', '--topic', 'everything'],
      '--topic must be tasks.events or reminders.events',
    ],
    [['--since', '0b8f7c36-6a43-4d4c-9d37-2f1f0e0e0c01'], 'no event with this id in the store'],
  ])('refuses %j with exit 2 and says why', async (args, message) => {
    const { code, stderr } = await replay(['republish', ...args]);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage:');
    expect(code).toBe(2);
  });

  it('--dry-run counts the window and sends nothing (no sidecar needed)', async () => {
    const events = await userEvents(store.database.db, users[1]!);
    const { code, stdout } = await replay([
      'republish',
      '--since',
      events[0]!.event_id,
      '--user',
      users[1]!,
      '--dry-run',
    ]);
    expect(stdout).toContain(
      `replay republish --dry-run: ${events.length} events to publish again`,
    );
    expect(code).toBe(0);
  });

  it('refuses a resume file of another run, and does nothing for a finished one', async () => {
    const path = join(dir, 'resume.json');
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        args: { since: '2h', user: null, topic: null },
        from_seq: 1,
        to_seq: 10,
        occurred_from: null,
        last_seq: 10,
        last_event_id: null,
        done: 10,
        finished: true,
        updated_at: new Date().toISOString(),
      }),
    );
    const other = await replay(['republish', '--since', '1h', '--resume-file', path]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('the resume file belongs to a run with --since 2h');
    const same = await replay(['republish', '--since', '2h', '--resume-file', path]);
    expect(same.stdout).toContain('nothing to do');
    expect(same.code).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8')).finished).toBe(true);
  });

  it('exits 3 when the sidecar does not answer, before publishing anything', async () => {
    const { code, stderr } = await replay(['republish', '--since', '1h'], { DAPR_HTTP_PORT: '1' });
    expect(stderr).toContain('/v1.0/healthz/outbound');
    expect(code).toBe(3);
  }, 30_000);
});

describe('pnpm replay republish without Dapr (USE_DAPR=false)', () => {
  it('refuses on the in-process bus (no KAFKA_BOOTSTRAP_SERVERS), exit 2', async () => {
    const { code, stderr } = await replay(['republish', '--since', '1h'], { USE_DAPR: 'false' });
    expect(stderr).toContain('republish needs a broker');
    expect(stderr).toContain('KAFKA_BOOTSTRAP_SERVERS');
    expect(code).toBe(2);
  });

  it('names a bad KAFKA_* variable (exit 2) and says when Kafka does not answer (exit 3)', async () => {
    const bad = await replay(['republish', '--since', '1h'], {
      USE_DAPR: 'false',
      KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9092',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    });
    expect(bad.stderr).toContain('KAFKA_SASL_USERNAME');
    expect(bad.code).toBe(2);
    const down = await replay(['republish', '--since', '1h'], {
      USE_DAPR: 'false',
      KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:1',
    });
    expect(down.stderr).toContain('127.0.0.1:1');
    expect(down.code).toBe(3);
  }, 30_000);
});
