import { randomUUID } from 'node:crypto';
import { freshTask, makeEvent, type EventEnvelope, type Task } from '@taskflow/contracts';
import type { SpawnPlan } from './occurrence.ts';

/** One claimed series, worked out: the instance to insert and the series as it will stand. */
export interface Spawn {
  instance: Task;
  series: Task;
  /** Ties the spawn's events together in logs and traces; the same for a retried spawn. */
  correlationId: string;
}

/**
 * The instance is a one-off copy of the series' title, description, priority, tags and project, due at the occurrence
 * and linked to it; the series gets its next occurrence and a new version. Both are built here,
 * complete, so that the events carrying them match the rows written.
 */
export function buildSpawn(series: Task, plan: SpawnPlan, now: Date): Spawn {
  const at = now.toISOString();
  const occurrence = plan.occurrence.toISOString();
  const instance: Task = {
    ...freshTask({ id: randomUUID(), user_id: series.user_id, title: series.title }, at),
    description: series.description,
    priority: series.priority,
    tags: series.tags,
    project_id: series.project_id,
    due_date: occurrence,
    series_id: series.id,
    occurrence_at: occurrence,
  };
  return {
    instance,
    series: advanced(series, plan.next, plan.recurring, now),
    correlationId: `spawn:${series.id}:${occurrence}`,
  };
}

/** The series with a new schedule, one version on. */
export function advanced(series: Task, next: Date | null, recurring: boolean, now: Date): Task {
  return {
    ...series,
    next_occurrence: recurring ? (next?.toISOString() ?? null) : null,
    is_recurring: recurring,
    version: series.version + 1,
    updated_at: now.toISOString(),
  };
}

/**
 * What a spawn appends: `task.created` for the instance and the seed's `recurring.spawned`
 * (both about the instance, version 1: a client keys them by the instance id, which is what the
 * WebSocket message carries as `data.id`), then `task.updated` for the series. When the instance
 * already existed (a replayed occurrence), only the series' update is appended.
 */
export function spawnEvents(spawn: Spawn, inserted: boolean, now: Date): EventEnvelope[] {
  const { instance, series } = spawn;
  const context = { userId: series.user_id, correlationId: spawn.correlationId, at: now };
  const updated = makeEvent('task.updated', series, series, context);
  if (!inserted) return [updated];
  return [
    makeEvent('task.created', instance, instance, context),
    makeEvent(
      'recurring.spawned',
      instance,
      {
        series_id: series.id,
        instance_id: instance.id,
        occurrence_at: instance.occurrence_at!,
        next_occurrence: series.next_occurrence,
        title: instance.title,
        due_date: instance.due_date,
        project_id: instance.project_id,
      },
      context,
    ),
    updated,
  ];
}
