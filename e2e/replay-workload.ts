import type postgres from 'postgres';
import { eventually } from './harness.ts';
import type { User } from './harness.ts';

const MINUTE = 60_000;

/** A small seeded generator (mulberry32): a failing run can be replayed with its seed. */
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)]! };
}

async function ok(user: User, method: string, path: string, body?: unknown) {
  const answer = await user.call(method, path, body);
  if (answer.status >= 300) {
    throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
  }
  return answer.json;
}

/**
 * What several users and the workers do, through the real services: random creates, edits
 * (PATCH and PUT), completions, reopenings and deletions; a schedule-mode series that spawns;
 * a completion-mode series whose instance is completed, so the scheduler reschedules it from the
 * event; a series deleted after spawning (its instance keeps living, unlinked); reminders fired
 * by the reminder-worker. Resolves once every effect has happened and every event is published.
 */
export async function runWorkload(users: User[], sql: postgres.Sql, seed: number): Promise<void> {
  const random = seeded(seed);
  const live: Array<{ user: User; id: string; completed: boolean }> = [];
  const due = () =>
    new Date(Date.now() + Math.floor(random.next() * 30) * 86_400_000).toISOString();
  for (let i = 0; i < 60; i++) {
    const roll = random.next();
    const task = live.length > 0 ? random.pick(live) : undefined;
    if (roll < 0.35 || !task) {
      const user = random.pick(users);
      const created = await ok(user, 'POST', '/tasks', {
        title: `task ${i}`,
        ...(random.next() < 0.5 ? { due_date: due() } : {}),
      });
      live.push({ user, id: created.id, completed: false });
    } else if (roll < 0.5) {
      await ok(task.user, 'PATCH', `/tasks/${task.id}`, {
        title: `patched ${i}`,
        description: `d${i}`,
      });
    } else if (roll < 0.6) {
      await ok(task.user, 'PUT', `/tasks/${task.id}`, { title: `replaced ${i}`, due_date: due() });
      task.completed = false;
    } else if (roll < 0.8) {
      task.completed = !task.completed;
      await ok(task.user, 'PATCH', `/tasks/${task.id}/complete`, { completed: task.completed });
    } else {
      await ok(task.user, 'DELETE', `/tasks/${task.id}`);
      live.splice(live.indexOf(task), 1);
    }
  }

  const [alice, bob, carol] = users as [User, User, User];
  const start = new Date(Math.floor((Date.now() - 10 * MINUTE) / MINUTE) * MINUTE).toISOString();
  const daily = (mode: 'schedule' | 'completion') => ({
    rule: 'FREQ=DAILY',
    time_zone: 'Europe/Berlin',
    start,
    mode,
  });
  const scheduled = await ok(alice, 'POST', '/tasks', {
    title: 'standup',
    recurrence: daily('schedule'),
  });
  const completing = await ok(bob, 'POST', '/tasks', {
    title: 'water plants',
    recurrence: daily('completion'),
  });
  const doomed = await ok(carol, 'POST', '/tasks', {
    title: 'doomed',
    recurrence: daily('schedule'),
  });
  const reminded = await Promise.all(
    users.map(async (user) => {
      const task = await ok(user, 'POST', '/tasks', { title: 'call mum', due_date: due() });
      await ok(user, 'POST', `/tasks/${task.id}/reminders`, {
        remind_at: new Date(Date.now() + 2_000).toISOString(),
      });
      return task.id as string;
    }),
  );

  const instanceOf = async (seriesId: string) => {
    const rows = await eventually(
      () => sql<{ id: string }[]>`select id from tasks where series_id = ${seriesId}`,
      (found) => found.length > 0,
    );
    return rows[0]!.id;
  };
  await instanceOf(scheduled.id);
  // Completing the instance is an event the scheduler acts on: the series is rescheduled.
  await ok(bob, 'PATCH', `/tasks/${await instanceOf(completing.id)}/complete`);
  await eventually(
    () => sql`select 1 from tasks where id = ${completing.id} and next_occurrence is not null`,
    (rows) => rows.length === 1,
  );
  await instanceOf(doomed.id);
  await ok(carol, 'DELETE', `/tasks/${doomed.id}`);

  await eventually(
    () => sql`select 1 from reminders where task_id in ${sql(reminded)} and status = 'fired'`,
    (rows) => rows.length === reminded.length,
  );
  await eventually(
    () => sql`select 1 from events where published_at is null`,
    (rows) => rows.length === 0,
  );
}
