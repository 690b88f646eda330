import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { PendingReminderList } from '@taskflow/contracts';
import { connect } from '@taskflow/db';
import type { Replica } from '@taskflow/testkit';
import { fleetForFile, newUser, openSocket, printLogsOnFailure, eventually } from './harness.ts';
import {
  addReminder,
  arrivedAt,
  isReminder,
  secondAfter,
  shownReminders,
  taskWithReminder,
  triggeredEvents,
  waitUntilRemindersDeliver,
} from './reminders-harness.ts';

// A short grace period and lateness threshold, so that downtime beyond the grace period fits in
// a test; small batches, so that a tick spans many transactions and a kill lands inside one.
const GRACE_SECONDS = 20;
const LATE_SECONDS = 2;
const fleet = await fleetForFile(
  { 'task-api': 1, 'ws-notifier': 1, 'reminder-worker': 2 },
  {
    REMINDER_GRACE_SECONDS: String(GRACE_SECONDS),
    REMINDER_LATE_SECONDS: String(LATE_SECONDS),
    REMINDER_BATCH_SIZE: '50',
  },
);
const database = connect(fleet.database.url, { max: 2 });
const sql = postgres(fleet.database.url, { max: 1, onnotice: () => {} });
afterAll(async () => {
  await database.close();
  await sql.end();
});
beforeAll(() => waitUntilRemindersDeliver(fleet), 120_000);

const workers = () => fleet.replicas['reminder-worker'];

/** Reminder-worker statements appending fired reminders' events, waiting on a lock. */
async function firingTransactionsWaiting(): Promise<number> {
  const [row] = await sql<[{ waiting: number }]>`
    select count(*)::int as waiting from pg_stat_activity
    where datname = current_database() and application_name = 'reminder-worker'
      and wait_event_type = 'Lock' and query ilike '%insert into events%'`;
  return row?.waiting ?? 0;
}

/**
 * SIGKILLs `victim` inside one of its firing transactions, every time: with the other workers
 * frozen, `events` is locked against inserts, so the victim's next firing transaction claims its
 * reminders (rows locked) and then waits to append their events, uncommitted; it dies there.
 * (Catching it there by freezing it at random moments missed now and then.)
 */
async function killMidBatch(victim: Replica, others: Replica[]): Promise<void> {
  await Promise.all(others.map((other) => other.process.hang()));
  await sleep(300); // a statement the others had already sent is done by now
  const locker = postgres(fleet.database.url, { max: 1, onnotice: () => {} });
  try {
    await locker.begin(async (tx) => {
      await tx`lock table events in share mode`;
      await eventually(firingTransactionsWaiting, (n) => n > 0, 30_000);
      victim.process.kill('SIGKILL');
      await victim.process.exited;
    });
  } finally {
    await locker.end();
    for (const other of others) other.process.kill('SIGCONT');
  }
}

describe(`reminders when workers die (${fleet.broker})`, () => {
  it('a worker SIGKILLed mid-batch and restarted: every reminder fires exactly once', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const second = secondAfter(15_000); // room to create 1,000 reminders on a busy machine
    const created = await Promise.all(
      Array.from({ length: 10 }, async (_, t) => {
        const { json: task } = await user.call('POST', '/tasks', { title: `batch ${t}` });
        const ids: string[] = [];
        for (let i = 0; i < 100; i++) {
          ids.push((await addReminder(user, task.id, new Date(second + t * 100 + i))).id);
        }
        return ids;
      }),
    );
    const ids = new Set(created.flat());
    expect(Date.now()).toBeLessThan(second);

    // Just before the reminders fall due, the first worker is made to die inside one of its
    // firing transactions.
    await sleep(Math.max(0, second - 1000 - Date.now()));
    const [victim, ...others] = workers();
    await killMidBatch(victim!, others);
    await victim!.restart();

    await eventually(
      async () => shownReminders(socket).length,
      (count) => count >= ids.size,
      60_000,
    );
    await sleep(2000); // a duplicate would arrive by now
    const events = await triggeredEvents(database, user.id);
    expect(events).toHaveLength(ids.size);
    expect(new Set(events.map((e) => e.data.reminder_id))).toEqual(ids);
    const shown = shownReminders(socket);
    expect(shown).toHaveLength(ids.size);
    expect(new Set(shown.map(({ message }) => message.data.reminder_id))).toEqual(ids);
    socket.close();
  }, 120_000);

  it(`after downtime: within the grace period (${GRACE_SECONDS} s) fires marked late; beyond it, missed and listed as such`, async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    for (const worker of workers()) {
      worker.process.kill('SIGKILL');
      await worker.process.exited;
    }
    const start = Date.now();
    const old = await taskWithReminder(user, new Date(start + 1500), 'beyond the grace period');
    const recent = await taskWithReminder(user, new Date(start + 13_000), 'within it');

    // Down until the first is older than the grace period; the second is then ~10 s overdue.
    await sleep(start + 1500 + GRACE_SECONDS * 1000 + 2000 - Date.now());
    await Promise.all(workers().map((worker) => worker.restart()));

    const { message, receivedAt } = await socket.waitFor(isReminder(recent.reminder.id), 15_000);
    expect(message.data).toMatchObject({ id: recent.task.id, late: true });
    const overdue = arrivedAt(receivedAt) - Date.parse(recent.reminder.remind_at);
    expect(overdue).toBeGreaterThan(LATE_SECONDS * 1000);
    expect(overdue).toBeLessThan(GRACE_SECONDS * 1000);

    const missed = await eventually(
      async () =>
        PendingReminderList.parse((await user.call('GET', '/reminders/pending?status=missed')).json)
          .items,
      (items) => items.length > 0,
    );
    expect(missed.map((r) => [r.id, r.status, r.task_title])).toEqual([
      [old.reminder.id, 'missed', 'beyond the grace period'],
    ]);
    const fired = (await triggeredEvents(database, user.id)).map((e) => e.data.reminder_id);
    expect(fired).toEqual([recent.reminder.id]);
    expect(shownReminders(socket).map(({ message }) => message.data.reminder_id)).toEqual([
      recent.reminder.id,
    ]);

    // And back on time for what comes next.
    const next = await taskWithReminder(user, new Date(Date.now() + 2000), 'after the restart');
    const after = await socket.waitFor(isReminder(next.reminder.id), 10_000);
    expect(after.message.data).toMatchObject({ late: false });
    socket.close();
  }, 120_000);
});
