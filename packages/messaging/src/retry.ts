/**
 * How a direct transport redelivers a message its handler answered RETRY (or threw on): the
 * same policy as daprd's inbound `delivery` retry in dapr/components/common/resiliency.yaml
 * (exponential from 500 ms, at most 5 s apart, 6 retries), then the dead-letter topic. The
 * message's successors wait meanwhile, as they do behind a Dapr subscriber: order first.
 */
export const DELIVERY_RETRY = { retries: 6, initialMs: 500, maxMs: 5000 } as const;

/** The wait before retry `n` (1-based) of DELIVERY_RETRY. */
export function retryDelayMs(n: number, policy: typeof DELIVERY_RETRY = DELIVERY_RETRY): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(n - 1, 20));
}
