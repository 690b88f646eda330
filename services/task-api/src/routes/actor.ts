import type { Actor } from '../tasks/commands.ts';

/** Who a request acts for (the path's user, which the auth hook matched to the token). */
export const actorOf = (request: {
  params: { user_id: string };
  correlationId: string;
}): Actor => ({
  userId: request.params.user_id,
  correlationId: request.correlationId,
});
