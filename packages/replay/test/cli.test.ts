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

/** `--json` output: one object a line. */
const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

let users: string[];
beforeAll(async () => {
  users = await randomWorkload(store.write, { seed: 7, users: 3, operations: 60 });
  await store.sql`update events set published_at = now()`;
}, 60_000);

describe('pnpm replay verify', () => {
  it('exits 0 and says so when the table is what the events say', async () => {
    const { code, stdout } = await replay(['verify']);
    expect(stdout).toContain(
      'no differences: the tasks table is what the events say, and so are projects and their members',
    );
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
      const [difference, summary] = jsonLines(json.stdout);
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
        member_missing: 0,
        member_unknown: 0,
        member_field: 0,
      });
    } finally {
      await store.sql`update tasks set title = ${victim!.title} where id = ${victim!.id}`;
    }
    expect((await replay(['verify'])).code).toBe(0);
  });

  it("after a member's role is changed by hand: that member, exit 1, the projects counted", async () => {
    const [member] = await store.sql<
      { project_id: string; created_by: string; user_id: string; role: string }[]
    >`select m.project_id, p.created_by, m.user_id, m.role from project_members m
      join projects p on p.id = m.project_id where m.role <> 'owner' order by 1, 3 limit 1`;
    const { project_id: projectId, user_id: userId, role } = member!;
    await store.sql`update project_members set role = 'owner'
      where project_id = ${projectId} and user_id = ${userId}`;
    try {
      const text = await replay(['verify']);
      expect(text.code).toBe(1);
      expect(text.stdout.trim().split('\n')).toEqual([
        `member_field project ${projectId} (created by ${member!.created_by}) member ${userId} ` +
          `role: events ${JSON.stringify(role)}, table "owner"`,
        expect.stringMatching(
          /^replay verify: folded the event store: .* and \d+ project events of \d+ projects/,
        ),
        '1 difference (1 member_field; 1 about projects)',
      ]);

      const json = await replay(['verify', '--json', '--user', member!.created_by]);
      const [difference, summary] = jsonLines(json.stdout);
      expect(difference).toEqual({
        kind: 'member_field',
        project_id: projectId,
        user_id: member!.created_by,
        member_id: userId,
        field: 'role',
        expected: role,
        actual: 'owner',
      });
      expect(summary.summary.projects).toMatchObject({ rows_compared: expect.any(Number) });
      expect(summary.summary.projects.members_compared).toBeGreaterThan(1);
      expect(summary.summary.differences).toMatchObject({ member_field: 1 });
    } finally {
      await store.sql`update project_members set role = ${role}
        where project_id = ${projectId} and user_id = ${userId}`;
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
