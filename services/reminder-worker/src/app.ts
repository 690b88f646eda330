import { registerSidecarRoutes, type DaprClient } from '@taskflow/dapr';
import { isDatabaseUnavailable, type ClaimPolicy, type Database } from '@taskflow/db';
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
  dapr: DaprClient;
  logger: Logger;
  registry: Registry;
  policy: ClaimPolicy;
  tickBudgetMs: number;
  /** See REMINDER_LOOKAHEAD_MS. */
  tickLookaheadMs: number;
  /** Called after every committed batch: wakes the outbox relay. */
  eventsCommitted?: () => void;
  /** APP_API_TOKEN: the sidecar's routes then admit only daprd. */
  appApiToken?: string | undefined;
}

/**
 * The worker's HTTP app, without listening: the routes daprd calls (the `/reminder-tick` cron
 * binding, the `/events/tasks` subscription) plus health and metrics. It serves no user.
 */
export async function buildReminderWorker(deps: ReminderWorkerDeps): Promise<App> {
  const { database, dapr, logger, registry } = deps;
  // A database outage answers daprd 503 (and logs a warning): the next tick retries.
  const app = createApp({ logger, isUnavailable: isDatabaseUnavailable });
  const metrics = reminderMetrics(registry, database);
  registerHealth(app, [
    { name: 'database', check: () => database.ping() },
    { name: 'sidecar', check: () => dapr.waitForSidecar({ timeoutMs: 500 }).then(() => true) },
  ]);
  registerMetrics(app, registry);
  const tick = {
    database,
    policy: deps.policy,
    budgetMs: deps.tickBudgetMs,
    lookaheadMs: deps.tickLookaheadMs,
    metrics,
    eventsCommitted: deps.eventsCommitted ?? (() => {}),
  };
  await registerSidecarRoutes(app, {
    dapr,
    appApiToken: deps.appApiToken,
    subscriptions: [taskEventSubscription(database, metrics)],
    bindings: [
      { route: '/reminder-tick', handler: ({ log }) => runTick(tick, log).then(() => {}) },
    ],
  });
  return app;
}
