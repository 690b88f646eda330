import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  dueDeliveryBacklog,
  dueReminderBacklog,
  type Database,
  type FiredReminder,
} from '@taskflow/db';

/** What the worker counts; registered on the service's /metrics registry. */
export function reminderMetrics(registry: Registry, database: Database) {
  const registers = [registry];
  const fired = new Counter({
    name: 'taskflow_reminders_fired_total',
    help: 'Reminders fired (reminder.triggered appended), by whether they were late',
    labelNames: ['late'] as const,
    registers,
  });
  const lateness = new Histogram({
    name: 'taskflow_reminder_lateness_seconds',
    help: 'From a reminder’s time to the transaction that fired it',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86_400],
    registers,
  });
  return {
    fired,
    lateness,
    missed: new Counter({
      name: 'taskflow_reminders_missed_total',
      help: 'Reminders not fired because their time was older than the grace period',
      registers,
    }),
    cancelled: new Counter({
      name: 'taskflow_reminders_cancelled_total',
      help: 'Pending reminders cancelled because their task was completed',
      registers,
    }),
    rearmed: new Counter({
      name: 'taskflow_reminders_rearmed_total',
      help: 'Cancelled reminders pending again because their task was reopened',
      registers,
    }),
    tickSeconds: new Histogram({
      name: 'taskflow_reminder_tick_seconds',
      help: 'Duration of one cron tick (all its batches)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    }),
    backlog: new Gauge({
      name: 'taskflow_reminders_due_backlog',
      help: 'Pending reminders whose time has come: stays near 0 while workers keep up',
      registers,
      async collect() {
        this.set(await dueReminderBacklog(database.db).catch(() => Number.NaN));
      },
    }),
    /** Counts a committed batch. */
    observeFired(batch: FiredReminder[]): void {
      for (const reminder of batch) {
        fired.inc({ late: String(reminder.late) });
        lateness.observe((reminder.firedAt.getTime() - reminder.remindAt.getTime()) / 1000);
      }
    },
  };
}

export type ReminderMetrics = ReturnType<typeof reminderMetrics>;

/** What the notifier counts: attempts and their outcomes per channel kind, and its backlog. */
export function notifierMetrics(registry: Registry, database: Database) {
  const registers = [registry];
  return {
    attempts: new Counter({
      name: 'taskflow_deliveries_total',
      help: 'Delivery attempts by channel kind, purpose and outcome: sent, retried (failed, tried again later) or failed (no more tries)',
      labelNames: ['kind', 'purpose', 'outcome'] as const,
      registers,
    }),
    queued: new Counter({
      name: 'taskflow_deliveries_queued_total',
      help: 'Reminder deliveries queued from reminder.triggered events (a redelivered event queues none)',
      registers,
    }),
    attemptSeconds: new Histogram({
      name: 'taskflow_delivery_attempt_seconds',
      help: 'One attempt to send a delivery, by channel kind',
      labelNames: ['kind'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    lateness: new Histogram({
      name: 'taskflow_reminder_delivery_lateness_seconds',
      help: 'From a reminder’s firing to its delivery being sent, by channel kind',
      labelNames: ['kind'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86_400],
      registers,
    }),
    backlog: new Gauge({
      name: 'taskflow_deliveries_due_backlog',
      help: 'Deliveries due and held by no sender: stays near 0 while the senders keep up',
      registers,
      async collect() {
        this.set(await dueDeliveryBacklog(database.db).catch(() => Number.NaN));
      },
    }),
  };
}

export type NotifierMetrics = ReturnType<typeof notifierMetrics>;
