import { isDatabaseUnavailable, type Database } from '@taskflow/db';
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
import { taskEventSubscription } from './handlers/events.ts';
import { runTick } from './jobs/tick.ts';
import { schedulerMetrics } from './metrics.ts';

export interface SchedulerDeps {
  database: Database;
  /** Spawns and completion-mode reschedules commit through it, which wakes the relay. */
  outbox: Outbox;
  messaging: Messaging;
  logger: Logger;
  registry: Registry;
  batchSize: number;
  tickBudgetMs: number;
}

/**
 * The scheduler's HTTP side: the cron binding that drives spawning, the tasks.events
 * subscription that drives completion mode, and health and metrics. Only the sidecar calls the
 * first two (APP_API_TOKEN); nothing else is served.
 */
export async function buildScheduler(deps: SchedulerDeps): Promise<App> {
  // A database outage answers daprd 503 (and logs a warning): the next tick or redelivery retries.
  const app = createApp({ logger: deps.logger, isUnavailable: isDatabaseUnavailable });
  const metrics = schedulerMetrics(deps.registry, deps.database);
  registerHealth(app, [
    { name: 'database', check: () => deps.database.ping() },
    readinessCheck(deps.messaging),
  ]);
  registerMetrics(app, deps.registry);
  await deps.messaging.serve(app, {
    service: 'scheduler',
    subscriptions: [taskEventSubscription({ outbox: deps.outbox, metrics })],
    ticks: [
      {
        route: '/scheduler-tick',
        everyMs: 1000,
        handler: async ({ log }) => {
          const result = await runTick({
            outbox: deps.outbox,
            log,
            batchSize: deps.batchSize,
            budgetMs: deps.tickBudgetMs,
            metrics,
          });
          if (result.claimed > 0) log.info(result, 'tick: series spawned');
        },
      },
    ],
  });
  return app;
}
