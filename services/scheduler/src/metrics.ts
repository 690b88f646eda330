import { dueSeriesLagSeconds, type Database } from '@taskflow/db';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type CompletionOutcome = 'scheduled' | 'ended' | 'ignored';

/** What the scheduler reports on /metrics, besides the relay's and the process's own. */
export interface SchedulerMetrics {
  spawned: Counter;
  replayed: Counter;
  stopped: Counter;
  completions: Counter<'outcome'>;
  tickSeconds: Histogram;
}

export function schedulerMetrics(
  registry: Registry,
  database: Database,
  clock: () => Date = () => new Date(),
): SchedulerMetrics {
  new Gauge({
    name: 'taskflow_scheduler_due_lag_seconds',
    help: 'How late the most overdue series is (0: nothing is waiting to spawn)',
    registers: [registry],
    async collect() {
      this.set(await dueSeriesLagSeconds(database.db, clock()).catch(() => Number.NaN));
    },
  });
  return {
    spawned: new Counter({
      name: 'taskflow_scheduler_spawned_total',
      help: 'Instances spawned (one per occurrence)',
      registers: [registry],
    }),
    replayed: new Counter({
      name: 'taskflow_scheduler_replayed_total',
      help: 'Occurrences whose instance already existed (the unique index kept them single)',
      registers: [registry],
    }),
    stopped: new Counter({
      name: 'taskflow_scheduler_stopped_total',
      help: 'Series stopped because their stored rule could not be computed',
      registers: [registry],
    }),
    completions: new Counter({
      name: 'taskflow_scheduler_completions_total',
      help: 'task.completed events of instances, by what they did to a completion-mode series',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    tickSeconds: new Histogram({
      name: 'taskflow_scheduler_tick_duration_seconds',
      help: 'Duration of one cron tick (all its batches)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
