import { audienceOf, EventEnvelope, TOPICS, toWsMessage } from '@taskflow/contracts';
import { defineSubscription } from '@taskflow/messaging';
import type { Logger } from '@taskflow/service-kit';
import type { WsMetrics } from '../metrics.ts';
import { TaskOrder, type TaskOrderLimits } from '../order/task-order.ts';
import type { ResumeBuffer } from '../resume/buffer.ts';
import type { SocketRegistry } from '../sockets/registry.ts';

export interface FanoutDeps {
  sockets: SocketRegistry;
  buffer: ResumeBuffer;
  metrics: WsMetrics;
  logger: Logger;
  order: TaskOrderLimits;
}

type TaskEvent = Extract<EventEnvelope, { data: { version: number } }>;

/** The events that are versions of a task. `recurring.spawned` and reminders are notices. */
const isTaskEvent = (event: EventEnvelope): event is TaskEvent =>
  event.event_type.startsWith('task.');

/**
 * What this replica does with each event: task events are put back into their task's version
 * order (TaskOrder), then each is kept in the resume buffer of each user of its audience (whether
 * or not a socket is open here: a client may reconnect to this replica later) and sent to every
 * open socket of theirs. The buffer is filled in the order sockets are sent to, so a replay is in that order too.
 * Serialised once, whatever the number of sockets. A redelivery is recognised by its event_id
 * (or, for a task event, by its version) and not sent again.
 */
export function createFanout(
  { sockets, buffer, metrics, logger, order: limits }: FanoutDeps,
  since: Date,
) {
  const send = (event: EventEnvelope) => {
    const frame = JSON.stringify(toWsMessage(event));
    let sent = 0;
    let fresh = false;
    // Its audience: the user, or every member of the project as the change committed.
    for (const userId of audienceOf(event)) {
      if (!buffer.push(userId, event.event_id, frame)) continue;
      fresh = true;
      sent += sockets.deliver(userId, frame);
    }
    if (!fresh) {
      metrics.duplicates.inc();
      return;
    }
    metrics.lag.observe(Math.max(0, Date.now() - Date.parse(event.timestamp)) / 1000);
    if (sent > 0) metrics.deliveries.inc({ kind: 'live' }, sent);
  };
  const order = new TaskOrder<EventEnvelope>(limits, since.getTime(), {
    send,
    gaveUp(taskId, reason, missing) {
      metrics.gapTimeouts.inc({ reason });
      logger.debug(
        { task_id: taskId, reason, sent_version: missing.after, next_version: missing.next },
        'order: a missing task version did not come in time; sending what waited',
      );
    },
  });

  // One timer, for the earliest hold; armed only while something waits.
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const deadline = order.nextDeadline();
    if (timer !== undefined || deadline === undefined) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        order.expire(Date.now());
        arm();
      },
      Math.max(0, deadline - Date.now()),
    );
    timer.unref();
  };

  return {
    fanOut(event: EventEnvelope): void {
      metrics.events.inc({ type: event.event_type });
      if (!isTaskEvent(event)) return send(event);
      const now = Date.now();
      const verdict = order.offer(
        event.aggregate_id,
        event.aggregate_version,
        Date.parse(event.data.created_at),
        event,
        now,
      );
      if (verdict === 'held') {
        metrics.held.inc();
        arm();
      } else if (verdict === 'repeat') {
        metrics.duplicates.inc();
      } else if (verdict === 'late') {
        if (buffer.has(audienceOf(event)[0]!, event.event_id)) metrics.duplicates.inc();
        else metrics.late.inc();
      }
    },
    stop(): void {
      clearTimeout(timer);
    },
  };
}

export type Fanout = ReturnType<typeof createFanout>;

/** Both topics end the same way: fanned out to the event's audience on this replica. */
export function eventSubscriptions(fanout: Fanout, startedAt: Date) {
  const handler = (event: EventEnvelope) => {
    fanout.fanOut(event);
    return 'SUCCESS' as const;
  };
  // A replica's consumer group is new when the replica is: on Redis Streams it starts at the
  // beginning of the capped stream. Events older than this process belong to no open socket,
  // and a client resuming from before this replica started is told to resync anyway.
  const common = {
    audience: 'each-process' as const,
    schema: EventEnvelope,
    handler,
    skipPublishedBefore: startedAt,
  };
  return [
    defineSubscription({ topic: TOPICS.tasks, route: '/events/tasks', ...common }),
    defineSubscription({ topic: TOPICS.reminders, route: '/events/reminders', ...common }),
  ];
}
