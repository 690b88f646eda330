import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import {
  WindowCounter,
  type RateLimitDecision,
  type RateLimitPolicy,
  type WindowCounts,
} from './window-counter.ts';

/** Every policy's counts of one replica, keyed by policy name. */
export type ReplicaCounts = Record<string, WindowCounts>;

/**
 * Publishes this replica's counts and answers with the other replicas' latest ones. The Dapr
 * implementation lives in packages/dapr (the state store); without one, counting is per process.
 */
export type CountExchange = (mine: ReplicaCounts) => Promise<ReplicaCounts[]>;

export interface RateLimiterOptions {
  /** A policy with quota 0 is off: `take` answers undefined for it. */
  policies: RateLimitPolicy[];
  exchange?: CountExchange | undefined;
  /** How often counts are exchanged; default 250 ms. */
  syncIntervalMs?: number;
  logger?: Logger;
  registry?: Registry;
  now?: () => number;
}

export interface RateLimiter {
  /** The policy's decision for one request of `key`, or undefined when the policy is off. */
  take(policy: string, key: string): RateLimitDecision | undefined;
  policy(name: string): RateLimitPolicy | undefined;
  /** One exchange now (tests; the loop calls it every interval). Never throws. */
  sync(): Promise<void>;
  /** Starts the exchange loop (a no-op without an exchange). */
  start(): void;
  stop(): Promise<void>;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const counters = new Map(
    options.policies
      .filter((policy) => policy.quota > 0)
      .map((policy) => [policy.name, new WindowCounter(policy)]),
  );
  const refusals = options.registry
    ? sharedCounter(options.registry, {
        name: 'taskflow_rate_limit_refusals_total',
        help: 'Requests refused with 429 by a rate limit',
        labelNames: ['policy'],
      })
    : undefined;
  const syncFailures = options.registry
    ? sharedCounter(options.registry, {
        name: 'taskflow_rate_limit_sync_failures_total',
        help: 'Count exchanges with the other replicas that failed (limits were per replica meanwhile)',
      })
    : undefined;

  let failing = false;
  const sync = async () => {
    const { exchange } = options;
    if (!exchange || counters.size === 0) return;
    const mine: ReplicaCounts = {};
    for (const [name, counter] of counters) mine[name] = counter.snapshot(now());
    try {
      const peers = await exchange(mine);
      for (const [name, counter] of counters) {
        counter.setPeers(
          peers.map((peer) => peer[name]).filter((counts) => counts !== undefined),
          now(),
        );
      }
      if (failing) options.logger?.info('rate limit: count exchange works again');
      failing = false;
    } catch (error) {
      // Fail open: the last counts heard stay until their window ends, then each replica counts
      // alone. No request is ever refused or delayed because the exchange is down.
      syncFailures?.inc();
      if (!failing) {
        options.logger?.warn(
          { err: error },
          'rate limit: count exchange failed; limits are per replica until it works again',
        );
      }
      failing = true;
    }
  };

  const interval = options.syncIntervalMs ?? 250;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const loop = () => {
    running = sync().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(loop, interval).unref();
    });
  };

  return {
    take(policy, key) {
      const counter = counters.get(policy);
      if (!counter) return undefined;
      const decision = counter.take(key, now());
      if (!decision.allowed) refusals?.inc({ policy });
      return decision;
    },
    policy: (name) => counters.get(name)?.policy,
    sync,
    start() {
      if (options.exchange && counters.size > 0 && !timer && !running) loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * The registry's counter of that name, made on first use: the limiters of one process (task-api's
 * and ws-notifier's, when both run in it) count into the same one.
 */
function sharedCounter(
  registry: Registry,
  definition: { name: string; help: string; labelNames?: string[] },
): Counter {
  const existing = registry.getSingleMetric(definition.name);
  if (existing instanceof Counter) return existing;
  return new Counter({ ...definition, registers: [registry] });
}
