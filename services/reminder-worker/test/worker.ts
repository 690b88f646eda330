import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { freshTask, makeEvent, type Task } from '@taskflow/contracts';
import { createDaprClient, daprMessaging } from '@taskflow/dapr';
import { connect, insertReminder, updateTask, type ClaimPolicy, type Database } from '@taskflow/db';
import { createOutbox, type Outbox } from '@taskflow/outbox';
import { createLogger, createMetricsRegistry, type App } from '@taskflow/service-kit';
import { createTestDatabase, freePort } from '@taskflow/testkit';
import { buildReminderWorker, type ReminderWorkerDeps } from '../src/app.ts';
import { unconfiguredEmailTransport } from '../src/notify/email-transport.ts';
import { leaseFor, type NotifierSettings } from '../src/notify/settings.ts';
import { reminderMetrics, type ReminderMetrics } from '../src/metrics.ts';
import type { TickDeps } from '../src/jobs/tick.ts';

export const APP_TOKEN = 'worker-test-app-token';
export const POLICY: ClaimPolicy = { graceSeconds: 3600, lateSeconds: 5, limit: 500 };

export interface TestWorker {
  app: App;
  database: Database;
  url: string;
  metrics: ReminderMetrics;
  /** How often the app woke its relay (once per committed batch). */
  wakes: { count: number };
  /** What runTick needs, against this database, with these overrides. */
  tickDeps(overrides?: Partial<TickDeps>): TickDeps;
}

/**
 * The worker's app over a fresh real database. Its sidecar address answers nothing (a closed
 * port): the ticks and the subscription need no sidecar, and readiness must say so.
 */
export async function startWorker(): Promise<TestWorker> {
  const testDatabase = await createTestDatabase();
  const database = connect(testDatabase.url, { max: 12 });
  const wakes = { count: 0 };
  const app = await workerAppOver(database, () => wakes.count++);
  const metrics = reminderMetrics(createMetricsRegistry('reminder-worker-test-ticks'), database);
  afterAll(async () => {
    await app.close();
    await database.close();
    await testDatabase.drop();
  });
  return {
    app,
    database,
    url: testDatabase.url,
    metrics,
    wakes,
    tickDeps: (overrides = {}) => ({
      database,
      outbox: outboxOf(database),
      policy: POLICY,
      budgetMs: 5_000,
      lookaheadMs: 0,
      metrics,
      ...overrides,
    }),
  };
}

/** An outbox over `database`; no relay runs in these tests, `wake` stands in for its wake-up. */
export function outboxOf(database: Database, wake: () => void = () => {}): Outbox {
  return createOutbox({ database, relay: { notify: wake } });
}

/**
 * The worker's app over `database`, its sidecar address a closed port: the ticks and the
 * subscription need no sidecar, and readiness must say so.
 */
export async function workerAppOver(
  database: Database,
  wake: () => void = () => {},
  overrides: Partial<ReminderWorkerDeps> = {},
): Promise<App> {
  return buildReminderWorker({
    database,
    outbox: outboxOf(database, wake),
    messaging: daprMessaging({
      dapr: createDaprClient({ httpPort: await freePort(), timeoutMs: 500 }),
      appId: 'reminder-worker',
      pubsub: 'taskflow-pubsub',
      topicNamespace: '',
      appApiToken: APP_TOKEN,
    }),
    logger: createLogger('reminder-worker-test', 'silent'),
    registry: createMetricsRegistry('reminder-worker-test'),
    policy: POLICY,
    tickBudgetMs: 5_000,
    tickLookaheadMs: 0,
    notifier: testNotifierSettings(),
    emailTransport: unconfiguredEmailTransport(),
    ...overrides,
  });
}

/** The notifier's settings for tests: small timeouts and a tiny retry base, no loopback access. */
export function testNotifierSettings(
  overrides: {
    sender?: Partial<NotifierSettings['sender']>;
    webhook?: Partial<NotifierSettings['webhook']>;
    email?: Partial<NotifierSettings['email']>;
  } = {},
): NotifierSettings {
  const sender = {
    batchSize: 100,
    concurrency: 20,
    maxAttempts: 6,
    retryBaseMs: 10_000,
    budgetMs: 5_000,
    ...overrides.sender,
  };
  return {
    sender: { leaseMs: leaseFor(sender, 2_000), ...sender },
    webhook: { timeoutMs: 2_000, allowHttp: true, ...overrides.webhook },
    email: {
      from: 'taskflow <reminders@taskflow.test>',
      publicUrl: 'https://taskflow.test',
      messageIdDomain: 'taskflow.test',
      ...overrides.email,
    },
  };
}

export const silent = { info: () => {} };

/** A task as task-api would have created it (with its task.created event). */
export async function seedTask(
  database: Database,
  fields: {
    userId?: string;
    title?: string;
    dueDate?: Date | null;
    completed?: boolean;
    /** A project the task is in (it must exist). */
    projectId?: string;
  } = {},
): Promise<Task> {
  const now = new Date();
  const task: Task = {
    ...freshTask(
      {
        id: randomUUID(),
        user_id: fields.userId ?? `user-${randomUUID()}`,
        title: fields.title ?? 'Call mum',
      },
      now.toISOString(),
    ),
    due_date: fields.dueDate?.toISOString() ?? null,
    project_id: fields.projectId ?? null,
  };
  const context = { userId: task.user_id, correlationId: 'seed' };
  await outboxOf(database).createTasks([
    { task, event: makeEvent('task.created', task, task, context) },
  ]);
  if (fields.completed) await setCompleted(database, task.id, true);
  return task;
}

export async function setCompleted(database: Database, taskId: string, completed: boolean) {
  await updateTask(database.db, taskId, { completed });
}

/** A reminder at `when`, or that many seconds from now (negative: already due). */
export async function seedReminder(
  database: Database,
  task: Task,
  when: number | Date,
  offsetSeconds: number | null = null,
) {
  const row = await insertReminder(database.db, {
    taskId: task.id,
    userId: task.user_id,
    remindAt: typeof when === 'number' ? new Date(Date.now() + when * 1000) : when,
    offsetSeconds,
  });
  if (!row) throw new Error('reminder not inserted');
  return row;
}
