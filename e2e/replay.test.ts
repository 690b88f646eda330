import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import {
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  waitUntilDelivering,
  type Socket,
  type User,
  eventually,
} from './harness.ts';
import { counter, runReplay } from './replay-harness.ts';
import { runWorkload } from './replay-workload.ts';

const fleet = await fleetForFile({
  'task-api': 1,
  'ws-notifier': 1,
  scheduler: 1,
  'reminder-worker': 1,
});
const sql = postgres(fleet.database.url, { max: 2, onnotice: () => {} });
afterAll(() => sql.end());

const SEED = Number(process.env.REPLAY_TEST_SEED ?? Date.now() % 100_000);
let users: User[];
/** Each user's socket on the fleet's ws-notifier, open from before the workload. */
let seen: Socket[];
let workloadStarted: Date;

beforeAll(async () => {
  await waitUntilDelivering(fleet);
  users = await Promise.all([0, 1, 2].map(() => newUser(fleet, 'replay')));
  seen = await Promise.all(users.map((u) => openSocket(fleet, u, 0)));
  workloadStarted = new Date();
  await runWorkload(users, sql, SEED);
}, 180_000);

afterAll(() => {
  for (const socket of seen) socket.close();
});

/** Everything the consumers could have changed, as plain rows. */
async function databaseState() {
  const [tasks, reminders, [events]] = await Promise.all([
    sql`select * from tasks order by id`,
    sql`select * from reminders order by id`,
    sql`select count(*)::int as n, max(seq)::int as last from events`,
  ]);
  return { tasks, reminders, events };
}

async function storedEventIds(user: User): Promise<string[]> {
  const rows = await sql<{ event_id: string }[]>`
    select event_id from events where user_id = ${user.id} order by seq`;
  return rows.map((row) => row.event_id);
}

describe(`replay verify, end to end (${fleet.broker}, seed ${SEED})`, () => {
  it('after creates, edits, completions, deletions, spawns and reminders: no difference, exit 0', async () => {
    printLogsOnFailure(fleet);
    const [kinds] = await sql<{ spawned: number; triggered: number; deleted: number }[]>`
      select count(*) filter (where event_type = 'recurring.spawned')::int as spawned,
             count(*) filter (where event_type = 'reminder.triggered')::int as triggered,
             count(*) filter (where event_type = 'task.deleted')::int as deleted
      from events`;
    expect(kinds).toMatchObject({ spawned: 3, triggered: 3 });
    expect(kinds!.deleted).toBeGreaterThan(0);

    const { code, stdout } = await runReplay(fleet, ['verify']);
    expect(stdout).toContain('no differences: the tasks table is what the events say');
    expect(code).toBe(0);
  });

  it('a row corrupted by hand: exactly that row and field, exit 1', async () => {
    printLogsOnFailure(fleet);
    const [victim] = await sql<{ id: string; user_id: string; completed: boolean }[]>`
      select id, user_id, completed from tasks where user_id = ${users[1]!.id} order by id limit 1`;
    await sql`update tasks set completed = not completed where id = ${victim!.id}`;
    try {
      const { code, stdout } = await runReplay(fleet, ['verify']);
      expect(stdout.trim().split('\n')).toEqual([
        `field    task ${victim!.id} (user ${victim!.user_id}) completed: ` +
          `events ${victim!.completed}, table ${!victim!.completed}`,
        expect.stringMatching(/^replay verify: folded the event store/),
        '1 difference (1 field)',
      ]);
      expect(code).toBe(1);
    } finally {
      await sql`update tasks set completed = ${victim!.completed} where id = ${victim!.id}`;
    }
  });
});

/** A counter summed over every process of the fleet (without Dapr, the late replica is one). */
async function fleetCounter(name: string, labels: string): Promise<number> {
  const urls = new Set(Object.values(fleet.replicas).flatMap((all) => all.map((r) => r.url)));
  const counts = await Promise.all([...urls].map((url) => counter(url, name, labels)));
  return counts.reduce((sum, n) => sum + n, 0);
}

describe(`replay republish, end to end (${fleet.broker}, seed ${SEED})`, () => {
  if (fleet.broker === 'in-process') {
    // One process on its in-process bus: no subscriber outside it that republishing could reach.
    it('refuses on the in-process bus, naming what it needs, and sends nothing', async () => {
      printLogsOnFailure(fleet);
      const before = await databaseState();
      const run = await runReplay(fleet, ['republish', '--since', '1h']);
      expect(run.stderr).toContain('republish needs a broker');
      expect(run.stderr).toContain('KAFKA_BOOTSTRAP_SERVERS');
      expect(run.code).toBe(2);
      expect(await databaseState()).toEqual(before);
    });
    return;
  }

  it('delivers the last hour once more to a new consumer group, and changes nothing for those that had it', async () => {
    printLogsOnFailure(fleet);
    // A new ws-notifier pod (without Dapr, a new process): a consumer group of its own on the
    // fan-out, which starts at the newest offsets, so it has none of the workload's events until
    // they are republished.
    const late = await fleet.addReplica('ws-notifier');
    try {
      await waitUntilDelivering(fleet);
      const fresh = await Promise.all(users.map((u) => openSocket(fleet, u, late.index)));
      const before = await databaseState();
      const seenBefore = seen.map((socket) => socket.messages.length);
      // Without Dapr the late replica is a whole process: its scheduler shares the group.
      const ignored = () =>
        fleetCounter('taskflow_scheduler_completions_total', 'outcome="ignored"');
      const ignoredBefore = await ignored();

      const resumeFile = join(mkdtempSync(join(tmpdir(), 'replay-e2e-')), 'resume.json');
      // The whole fleet is younger than an hour: "the last hour" is everything it did.
      expect(Date.now() - workloadStarted.getTime()).toBeLessThan(50 * 60_000);
      const run = await runReplay(fleet, [
        'republish',
        '--since',
        '1h',
        '--rate',
        '200',
        '--resume-file',
        resumeFile,
      ]);
      expect(run.stdout, run.stderr).toMatch(/^replay republish: published [\d,]+ events again/);
      expect(run.stderr).toMatch(
        /republish: [\d,]+\/[\d,]+ events \(100\.0%\), [\d,]+ events\/s, ETA done/,
      );
      expect(run.code).toBe(0);
      const saved = JSON.parse(readFileSync(resumeFile, 'utf8'));
      expect(saved).toMatchObject({ finished: true, to_seq: before.events!.last });

      // The new group gets every event of the window once more, with its original id.
      for (const [index, user] of users.entries()) {
        const expected = await storedEventIds(user);
        const socket = fresh[index]!;
        await eventually(
          async () => new Set(socket.messages.map((m) => m.message.event_id)).size,
          (n) => n >= expected.length,
        );
        expect([...new Set(socket.messages.map((m) => m.message.event_id))].sort()).toEqual(
          [...expected].sort(),
        );
        expect(socket.messages).toHaveLength(expected.length);
      }

      // The consumers that had them changed nothing. The scheduler got the instance's
      // task.completed again and left its series alone (already rescheduled); the
      // reminder-worker reconciled reminders that were already right.
      await eventually(ignored, (n) => n > ignoredBefore);
      await sleep(3_000);
      expect(await databaseState()).toEqual(before);
      // ws-notifier recognised the copies (still in its resume buffer): no socket got one twice.
      seen.forEach((socket, index) => {
        expect(socket.messages.length, `user ${index}`).toBe(seenBefore[index]);
        const ids = socket.messages.map((m) => m.message.event_id);
        expect(new Set(ids).size).toBe(ids.length);
      });
      expect((await runReplay(fleet, ['verify'])).code).toBe(0);
      for (const socket of fresh) socket.close();
    } finally {
      await late.stop();
    }
  }, 240_000);
});
