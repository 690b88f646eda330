import type { DeliveredMessage } from './deliveries.ts';
import { DELIVERY_RETRY, retryDelayMs } from './retry.ts';
import type { DeliveryDeps, Subscription } from './subscriptions.ts';

export type DeliveryOutcome = 'delivered' | 'dead-lettered' | 'interrupted';

/**
 * One message to one subscription, as a direct transport does it (daprd does the same for the
 * Dapr one): RETRY is retried with DELIVERY_RETRY's backoff, then dead-lettered; DROP is
 * dead-lettered at once. `interrupted` when the transport stops during a backoff: the message
 * was not acknowledged and comes again. A dead-lettering that fails rejects: not acknowledged.
 */
export async function deliver(
  subscription: Subscription,
  message: DeliveredMessage,
  deps: DeliveryDeps,
  options: { stopping?: () => boolean; policy?: typeof DELIVERY_RETRY } = {},
): Promise<DeliveryOutcome> {
  const policy = options.policy ?? DELIVERY_RETRY;
  for (let attempt = 0; ; attempt++) {
    const status = await subscription.process(message, deps);
    if (status === 'SUCCESS') return 'delivered';
    if (status === 'DROP') {
      await deps.deadLetter(message, 'dropped by its subscriber');
      return 'dead-lettered';
    }
    if (attempt === policy.retries) {
      await deps.deadLetter(message, `still failing after ${policy.retries} retries`);
      return 'dead-lettered';
    }
    if (options.stopping?.()) return 'interrupted';
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt + 1, policy)));
    if (options.stopping?.()) return 'interrupted';
  }
}
