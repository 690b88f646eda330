import { EventEnvelope, toWsMessage } from '@taskflow/contracts';
import { defineSubscription } from '@taskflow/dapr';
import type { WsMetrics } from '../metrics.ts';
import type { ResumeBuffer } from '../resume/buffer.ts';
import type { SocketRegistry } from '../sockets/registry.ts';

export interface FanoutDeps {
  sockets: SocketRegistry;
  buffer: ResumeBuffer;
  metrics: WsMetrics;
}

/**
 * One event, on this replica: kept in its user's resume buffer (whether or not a socket is open
 * here: a client may reconnect to this replica later) and sent to every open socket of its user.
 * Serialised once, whatever the number of sockets. A redelivery is recognised by its event_id
 * while the first copy is still buffered, and not sent again.
 */
export function fanOut(event: EventEnvelope, { sockets, buffer, metrics }: FanoutDeps): number {
  metrics.events.inc({ type: event.event_type });
  const frame = JSON.stringify(toWsMessage(event));
  if (!buffer.push(event.user_id, event.event_id, frame)) {
    metrics.duplicates.inc();
    return 0;
  }
  metrics.lag.observe(Math.max(0, Date.now() - Date.parse(event.timestamp)) / 1000);
  const sent = sockets.deliver(event.user_id, frame);
  if (sent > 0) metrics.deliveries.inc({ kind: 'live' }, sent);
  return sent;
}

/** Both topics end the same way: fanned out to the event's user on this replica. */
export function eventSubscriptions(deps: FanoutDeps, startedAt = new Date()) {
  const handler = (event: EventEnvelope) => {
    fanOut(event, deps);
    return 'SUCCESS' as const;
  };
  // A replica's consumer group is new when the replica is: on Redis Streams it starts at the
  // beginning of the capped stream. Events older than this process belong to no open socket,
  // and a client resuming from before this replica started is told to resync anyway.
  const common = { schema: EventEnvelope, handler, skipPublishedBefore: startedAt };
  return [
    defineSubscription({ route: '/events/tasks', ...common }),
    defineSubscription({ route: '/events/reminders', ...common }),
  ];
}
