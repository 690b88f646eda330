// The process measured by `pnpm bench:notifications` (scripts/bench/notifications.ts): the
// reminder-worker's app as the one process builds it (services/standalone/src/taskflow.ts), with
// its settings read from the environment as there (USE_DAPR=false: the in-process bus; the
// outbox relay; SMTP_URL), and one difference passed in code: the webhook address policy of
// @taskflow/outbound/testing, which also allows the benchmark's receiver on 127.0.0.1. Its
// reminder tick fires the reminders, the relay publishes reminder.triggered on the bus, the
// subscription makes the deliveries, the delivery tick sends them. Says "ready" over IPC; stops
// on SIGTERM.
import { allowForTests } from '@taskflow/outbound/testing';
import { buildReminderWorker } from '@taskflow/reminder-worker/app';
import {
  emailTransportFrom,
  loadReminderWorkerConfig,
  workerSettings,
} from '@taskflow/reminder-worker/config';
import { startEventWriter } from '@taskflow/runtime';

const config = loadReminderWorkerConfig({ ...process.env, USE_DAPR: 'false' });
const clients = startEventWriter('reminder-worker', config);
const settings = workerSettings(config);
settings.notifier.webhook.policy = allowForTests(['127.0.0.1']);
const app = await buildReminderWorker({
  ...clients,
  ...settings,
  emailTransport: emailTransportFrom(config, clients.logger),
});
await app.ready();
await clients.messaging.start();
process.send?.('ready');

process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    for (const cleanup of clients.cleanups) await cleanup();
    process.exit(0);
  })();
});
