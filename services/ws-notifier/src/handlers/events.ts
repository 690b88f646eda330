import { EventEnvelope, toWsMessage } from '@taskflow/contracts';
import { defineSubscription } from '@taskflow/dapr';
import type { SocketRegistry } from '../sockets.ts';

/**
 * Both topics end the same way: the event becomes the seed's WebSocket message and goes to every
 * open socket of its user on this replica. A user with no socket here is not an error.
 */
export function eventSubscriptions(sockets: SocketRegistry, startedAt = new Date()) {
  const deliver = (event: EventEnvelope) => {
    sockets.deliver(event.user_id, toWsMessage(event));
    return 'SUCCESS' as const;
  };
  // A replica's consumer group is new when the replica is: on Redis Streams it starts at the
  // beginning of the capped stream. Events older than this process belong to no open socket.
  const common = { schema: EventEnvelope, handler: deliver, skipPublishedBefore: startedAt };
  return [
    defineSubscription({ route: '/events/tasks', ...common }),
    defineSubscription({ route: '/events/reminders', ...common }),
  ];
}
