import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { dueReminderBacklog, type Database, type FiredReminder } from '@taskflow/db';

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
