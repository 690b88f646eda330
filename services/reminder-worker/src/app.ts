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
import { notifierMetrics, reminderMetrics } from './metrics.ts';
import type { EmailTransport } from './notify/email-transport.ts';
import { reminderEventSubscription } from './notify/reminder-events.ts';
import { runDeliveryTick } from './notify/sender.ts';
import type { NotifierSettings } from './notify/settings.ts';

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
  /** The notifier's sender and its webhooks and emails (config.ts notifierSettings). */
  notifier: NotifierSettings;
  /** How emails leave (email-transport.ts): SMTP, the Dapr binding, or not configured. */
  emailTransport: EmailTransport;
}

/**
 * The worker's HTTP app, without listening: the routes daprd calls (the `/reminder-tick` and
 * `/delivery-tick` cron bindings, the `/events/tasks` and `/events/reminders` subscriptions)
 * plus health and metrics. It serves no user. It fires reminders, and as the notifier it turns
 * each reminder.triggered into deliveries to the user's channels and sends them
 * (docs/notifications.md).
 */
export async function buildReminderWorker(deps: ReminderWorkerDeps): Promise<App> {
  const { database, messaging, logger, registry } = deps;
  // A database outage answers daprd 503 (and logs a warning): the next tick retries.
  const app = createApp({ logger, isUnavailable: isDatabaseUnavailable });
  const metrics = reminderMetrics(registry, database);
  const notified = notifierMetrics(registry, database);
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
  const sender = {
    database,
    settings: deps.notifier.sender,
    webhook: deps.notifier.webhook,
    email: deps.notifier.email,
    emailTransport: deps.emailTransport,
    metrics: notified,
  };
  await messaging.serve(app, {
    service: 'reminder-worker',
    subscriptions: [
      taskEventSubscription(database, metrics),
      reminderEventSubscription(database, notified),
    ],
    ticks: [
      {
        route: '/reminder-tick',
        everyMs: 1000,
        handler: ({ log }) => runTick(tick, log).then(() => {}),
      },
      {
        route: '/delivery-tick',
        everyMs: 1000,
        handler: ({ log }) => runDeliveryTick(sender, log).then(() => {}),
      },
    ],
  });
  app.addHook('onClose', () => deps.emailTransport.close());
  return app;
}
