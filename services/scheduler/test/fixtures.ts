import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import postgres from 'postgres';
import { makeEvent, type RecurrenceMode, type Task } from '@taskflow/contracts';
import { connect, type Database } from '@taskflow/db';
import { createOutbox, type Outbox } from '@taskflow/outbox';
import { nextOccurrence, parseSeries } from '@taskflow/recurrence';
import { createLogger, type Logger } from '@taskflow/service-kit';
import { createTestDatabase } from '@taskflow/testkit';

/**
 * A fresh, migrated database for the file, dropped after it; `admin` is a plain SQL client for
 * what only a test does (setting a series back, killing a connection). No relay runs: `outbox`
 * counts its wake-ups instead.
 */
export async function databaseForFile(): Promise<{
  database: Database;
  outbox: Outbox;
  wakes: () => number;
  url: string;
  admin: postgres.Sql;
}> {
  const testDatabase = await createTestDatabase();
  const database = connect(testDatabase.url, { max: 5, applicationName: 'scheduler-test' });
  const admin = postgres(testDatabase.url, { max: 2, onnotice: () => {} });
  afterAll(async () => {
    await admin.end();
    await database.close();
    await testDatabase.drop();
  });
  return { database, ...countingOutbox(database), url: testDatabase.url, admin };
}

/** An outbox over `database` whose relay only counts how often it was woken. */
export function countingOutbox(database: Database): { outbox: Outbox; wakes: () => number } {
  let wakes = 0;
  return {
    outbox: createOutbox({ database, relay: { notify: () => wakes++ } }),
    wakes: () => wakes,
  };
}

export const silent: Logger = createLogger('scheduler-test', 'silent');

export interface SeriesSpec {
  userId?: string;
  rule?: string;
  timeZone?: string;
  start: Date;
  mode?: RecurrenceMode;
  title?: string;
  /** A project the series is in (it must exist). */
  projectId?: string;
}

/**
 * A series as task-api would create it: checked by packages/recurrence, next occurrence = the
 * first at or after the start. Written with its task.created event, like every write.
 */
export async function insertSeries(database: Database, spec: SeriesSpec): Promise<Task> {
  const series = parseSeries({
    rule: spec.rule ?? 'FREQ=DAILY',
    timeZone: spec.timeZone ?? 'Europe/Berlin',
    start: spec.start,
  });
  const first = nextOccurrence(series, new Date(series.start.getTime() - 1));
  const at = new Date().toISOString();
  const task: Task = {
    id: randomUUID(),
    user_id: spec.userId ?? `user-${randomUUID()}`,
    title: spec.title ?? 'Water the plants',
    description: 'balcony',
    completed: false,
    completed_at: null,
    due_date: null,
    recurrence_rule: series.rule,
    is_recurring: true,
    next_occurrence: first?.toISOString() ?? null,
    time_zone: series.timeZone,
    recurrence_mode: spec.mode ?? 'schedule',
    series_start: series.start.toISOString(),
    series_id: null,
    occurrence_at: null,
    priority: null,
    tags: [],
    project_id: spec.projectId ?? null,
    version: 1,
    created_at: at,
    updated_at: at,
  };
  const context = { userId: task.user_id, correlationId: 'test' };
  const { outbox } = countingOutbox(database);
  await outbox.createTasks([{ task, event: makeEvent('task.created', task, task, context) }]);
  return task;
}
