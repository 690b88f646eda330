import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, userEvents } from '@taskflow/db';
import { newUser, printLogsOnFailure, type User, eventually } from './harness.ts';
import {
  DAY,
  MINUTE,
  createSeries,
  minuteOf,
  recurrenceFleet,
  waitUntilSpawnsDeliver,
} from './recurrence-harness.ts';

const fleet = await recurrenceFleet({ 'task-api': 1, 'ws-notifier': 1, scheduler: 2 });
const database = connect(fleet.database.url, { max: 2 });
const admin = postgres(fleet.database.url, { max: 1, onnotice: () => {} });
afterAll(async () => {
  await admin.end();
  await database.close();
});
beforeAll(() => waitUntilSpawnsDeliver(fleet), 150_000);

const [first, second] = fleet.replicas.scheduler;

async function killScheduler(replica: typeof first) {
  replica!.process.kill('SIGKILL');
  await replica!.process.exited;
}

/** Instances of the user's series, and how many distinct series they belong to. */
async function counts(user: User) {
  const [row] = await admin<[{ instances: number; series: number }]>`
    select count(*)::int as instances, count(distinct series_id)::int as series
    from tasks where user_id = ${user.id} and series_id is not null`;
  return row;
}

describe(`a scheduler killed mid-tick (${fleet.broker})`, () => {
  it('after downtime and a SIGKILL mid-tick: every series spawns its latest occurrence, once', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const N = 600;
    // Both schedulers down. Meanwhile 600 daily series come due, started three days ago: four
    // occurrences missed each (three days ago ... today), of which only today's may spawn.
    await killScheduler(first);
    await killScheduler(second);
    const start = minuteOf(Date.now()) - 3 * DAY - MINUTE;
    const latest = new Date(start + 3 * DAY);
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, (_, j) =>
          createSeries(user, `series #${i + j}`, {
            rule: 'FREQ=DAILY',
            time_zone: 'Europe/Berlin',
            start: new Date(start).toISOString(),
          }),
        ),
      );
    }

    // One scheduler comes back and starts working the backlog, 5 series per transaction ...
    const restarting = first!.restart();
    const atKill = await eventually(
      async () => (await counts(user))!.instances,
      (instances) => instances >= 100,
      60_000,
    );
    // ... and is SIGKILLed in the middle of it.
    await killScheduler(first);
    await restarting.catch(() => {}); // it may have died before it reported ready
    const afterKill = (await counts(user))!.instances;
    expect(atKill).toBeLessThan(N);
    expect(afterKill).toBeLessThan(N);

    // Both come back; the backlog finishes.
    await Promise.all([first!.restart(), second!.restart()]);
    await eventually(
      async () => (await counts(user))!.instances,
      (instances) => instances >= N,
      60_000,
    );
    await sleep(3000); // more ticks: nothing more may spawn

    expect(await counts(user)).toEqual({ instances: N, series: N });
    const [occurrences] = await admin<[{ distinct: number; at: Date }]>`
      select count(distinct occurrence_at)::int as distinct, min(occurrence_at) as at
      from tasks where user_id = ${user.id} and series_id is not null`;
    expect(occurrences).toEqual({ distinct: 1, at: latest });
    const [next] = await admin<[{ distinct: number; at: Date }]>`
      select count(distinct next_occurrence)::int as distinct, min(next_occurrence) as at
      from tasks where user_id = ${user.id} and is_recurring`;
    expect(next).toEqual({ distinct: 1, at: new Date(latest.getTime() + DAY) });
    const spawned = (await userEvents(database.db, user.id)).filter(
      (e) => e.event_type === 'recurring.spawned',
    );
    expect(spawned).toHaveLength(N);
    console.log(
      `[${fleet.broker}] killed with ${afterKill} of ${N} spawned; after restart: ${N}, no duplicate`,
    );
  }, 180_000);
});
