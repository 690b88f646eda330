import { EventEnvelope, TOPICS } from '@taskflow/contracts';
import { defineSubscription, type DeliveryStatus, type Subscription } from '@taskflow/messaging';
import type { Outbox } from '@taskflow/outbox';
import { scheduleAfterCompletion } from '../jobs/completion.ts';
import type { SchedulerMetrics } from '../metrics.ts';

export interface EventHandlerDeps {
  outbox: Outbox;
  metrics?: SchedulerMetrics | undefined;
}

/**
 * The scheduler's subscription to tasks.events (dapr/components/common/subscriptions.yaml).
 * - task.completed of an instance: may schedule its completion-mode series' next occurrence.
 * - task.deleted of a series: nothing to do. The row is gone, so no claim can find it; its
 *   instances stay, their series_id set to null by the foreign key.
 * - anything else (task.created, the scheduler's own spawns...): not for us.
 * A failure answers RETRY (packages/dapr), so daprd redelivers; the handler is idempotent.
 */
export function taskEventSubscription(deps: EventHandlerDeps): Subscription {
  return defineSubscription({
    topic: TOPICS.tasks,
    audience: 'shared',
    route: '/events/tasks',
    schema: EventEnvelope,
    handler: async (event, { log }): Promise<DeliveryStatus> => {
      if (event.event_type !== 'task.completed' || event.data.series_id === null) return 'SUCCESS';
      const result = await scheduleAfterCompletion(deps.outbox, {
        seriesId: event.data.series_id,
        instanceId: event.data.id,
        correlationId: event.correlation_id,
      });
      deps.metrics?.completions.inc({ outcome: result.outcome });
      if (result.outcome === 'ignored') {
        log.debug({ event_id: event.event_id, reason: result.reason }, 'completion ignored');
      } else {
        log.info(
          { event_id: event.event_id, series_id: event.data.series_id, outcome: result.outcome },
          'completion-mode series rescheduled',
        );
      }
      return 'SUCCESS';
    },
  });
}
