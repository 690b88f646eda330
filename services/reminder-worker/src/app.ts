import { isDatabaseUnavailable, type ClaimPolicy, type Database } from '@taskflow/db';
import type { Outbox } from '@taskflow/outbox';
import { readinessCheck, type Messaging } from '@taskflow/messaging';
import {
  createApp,
  registerHealth,
  registerMetrics,
  type App,
  type Logger,
  type Registry,
} from '@taskflow/service-kit';
import { taskEventSubscription } from './handlers/task-events.ts';
import { runTick } from './jobs/tick.ts';
import { reminderMetrics } from './metrics.ts';

export interface ReminderWorkerDeps {
  database: Database;
  /** Fired batches commit through it, which wakes the relay. */
  outbox: Outbox;
  messaging: Messaging;
  logger: Logger;
  registry: Registry;
  policy: ClaimPolicy;
  tickBudgetMs: number;
  /** See REMINDER_LOOKAHEAD_MS. */
  tickLookaheadMs: number;
}

/**
 * The worker's HTTP app, without listening: the routes daprd calls (the `/reminder-tick` cron
 * binding, the `/events/tasks` subscription) plus health and metrics. It serves no user.
 */
export async function buildReminderWorker(deps: ReminderWorkerDeps): Promise<App> {
  const { database, messaging, logger, registry } = deps;
  // A database outage answers daprd 503 (and logs a warning): the next tick retries.
  const app = createApp({ logger, isUnavailable: isDatabaseUnavailable });
  const metrics = reminderMetrics(registry, database);
  registerHealth(app, [
    { name: 'database', check: () => database.ping() },
    readinessCheck(messaging),
  ]);
  registerMetrics(app, registry);
  const tick = {
    database,
    outbox: deps.outbox,
    policy: deps.policy,
    budgetMs: deps.tickBudgetMs,
    lookaheadMs: deps.tickLookaheadMs,
    metrics,
  };
  await messaging.serve(app, {
    service: 'reminder-worker',
    subscriptions: [taskEventSubscription(database, metrics)],
    ticks: [
      {
        route: '/reminder-tick',
        everyMs: 1000,
        handler: ({ log }) => runTick(tick, log).then(() => {}),
      },
    ],
  });
  return app;
}
