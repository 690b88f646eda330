import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { Task } from '@taskflow/contracts';
import { eventually, fleetForFile, newUser, openSocket, printLogsOnFailure } from '../harness.ts';
import { completionSeries, metric, nextOccurrenceAfter } from '../recurrence-harness.ts';

// The one process on its in-process bus, killed while its relay is handing an event to the
// subscribers: an event counts as published only once every subscriber took it, in the relay's
// transaction, so a crash leaves it unpublished and the restarted process delivers it.
const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1, scheduler: 1 });
const admin = postgres(fleet.database.url, { max: 3, onnotice: () => {} });
afterAll(() => admin.end());

const publishedAt = async (eventType: string, aggregateId: string) => {
  const rows = await admin<{ published_at: Date | null }[]>`
    select published_at from events
    where event_type = ${eventType} and aggregate_id = ${aggregateId}`;
  expect(rows).toHaveLength(1);
  return rows[0]!.published_at;
};

describe(`a crash of the one process (${fleet.broker})`, () => {
  it('SIGKILLed mid-delivery: the event it had not handed to every subscriber goes out after the restart, once', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const socket = await openSocket(fleet, user);
    const { series, first } = await completionSeries(user, socket);
    const instance = first.message.data.id;
    socket.close();

    // A slow transaction holds the series row. The scheduler's handler of the completion waits
    // for it, and with it the relay's round, its claim of the task.completed uncommitted.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = admin.begin(async (tx) => {
      await tx`select id from tasks where id = ${series.id} for update`;
      locked();
      await released;
    });
    try {
      await isLocked;
      const completed = await user.call('PATCH', `/tasks/${instance}/complete`);
      expect(completed.status).toBe(200);
      const done = Task.parse(completed.json);
      await eventually(
        async () => {
          const [row] = await admin<{ n: number }[]>`
            select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`;
          return row!.n;
        },
        (waiting) => waiting >= 1,
        20_000,
      );
      expect(await publishedAt('task.completed', instance)).toBeNull();

      const taskflow = fleet.replicas['task-api'][0]!;
      taskflow.process.kill('SIGKILL');
      await taskflow.process.exited;
      release();
      await holding;
      // The relay's transaction died with its connection: the claim is gone, nothing advanced.
      await eventually(
        async () => {
          const [row] = await admin<{ n: number }[]>`
            select count(*)::int as n from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid()
              and state like 'idle in transaction%'`;
          return row!.n;
        },
        (open) => open === 0,
        20_000,
      );
      expect(await publishedAt('task.completed', instance)).toBeNull();

      await taskflow.restart();
      const expected = nextOccurrenceAfter(series, done.completed_at!);
      const scheduled = await eventually(
        async () => Task.parse((await user.call('GET', `/tasks/${series.id}`)).json),
        (task) => task.next_occurrence !== null,
        30_000,
      );
      expect(scheduled.next_occurrence).toBe(expected);
      expect(await publishedAt('task.completed', instance)).not.toBeNull();
      // Once: one advance of the series, counted by the restarted scheduler.
      const [advances] = await admin<{ n: number }[]>`
        select count(*)::int as n from events
        where event_type = 'task.updated' and aggregate_id = ${series.id}
          and data->>'next_occurrence' is not null
          and seq > (select seq from events
                     where event_type = 'task.completed' and aggregate_id = ${instance})`;
      expect(advances!.n).toBe(1);
      expect(
        await metric(taskflow.url, 'taskflow_scheduler_completions_total', 'outcome="scheduled"'),
      ).toBe(1);
    } finally {
      release();
      await holding.catch(() => {});
    }
  }, 120_000);
});
