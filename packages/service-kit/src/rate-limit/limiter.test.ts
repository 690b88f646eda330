import { describe, expect, it, vi } from 'vitest';
import { Registry } from 'prom-client';
import { createRateLimiter, type ReplicaCounts } from './limiter.ts';

const policies = [
  { name: 'user', quota: 5, windowSeconds: 60 },
  { name: 'address', quota: 0, windowSeconds: 60 },
];
const now = () => 1_000 * 60_000 + 1_000;
const window = Math.floor(now() / 60_000);

describe('createRateLimiter', () => {
  it('treats a quota of 0 as no limit', () => {
    const limiter = createRateLimiter({ policies, now });
    expect(limiter.take('address', '10.0.0.1')).toBeUndefined();
    expect(limiter.policy('address')).toBeUndefined();
    expect(limiter.take('user', 'alice')).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('publishes its own counts and counts what the others published', async () => {
    const published: ReplicaCounts[] = [];
    const limiter = createRateLimiter({
      policies,
      now,
      exchange: async (mine) => {
        published.push(mine);
        return [{ user: { window, counts: { alice: 3 } } }];
      },
    });
    limiter.take('user', 'alice');
    await limiter.sync();
    expect(published).toEqual([{ user: { window, counts: { alice: 1 } } }]);
    expect(limiter.take('user', 'alice')).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.take('user', 'alice')).toMatchObject({ allowed: false });
  });

  it('fails open when the exchange fails: counts alone, logs once, counts the failures', async () => {
    const registry = new Registry();
    const warn = vi.fn();
    const info = vi.fn();
    let fail = false;
    const limiter = createRateLimiter({
      policies,
      now,
      registry,
      logger: { warn, info } as never,
      exchange: async () => {
        if (fail) throw new Error('sidecar down');
        return [{ user: { window, counts: { bob: 2 } } }];
      },
    });
    await limiter.sync();
    fail = true;
    await limiter.sync();
    await limiter.sync();
    // The last counts heard stay for their window; nothing is refused for the failure itself.
    expect(limiter.take('user', 'bob')).toMatchObject({ allowed: true, remaining: 2 });
    expect(limiter.take('user', 'carol')).toMatchObject({ allowed: true, remaining: 4 });
    expect(warn).toHaveBeenCalledTimes(1);
    const failures = await registry
      .getSingleMetric('taskflow_rate_limit_sync_failures_total')!
      .get();
    expect(failures.values[0]!.value).toBe(2);
    fail = false;
    await limiter.sync();
    expect(info).toHaveBeenCalledTimes(1);
  });

  it('counts refusals per policy', async () => {
    const registry = new Registry();
    const limiter = createRateLimiter({ policies, now, registry });
    for (let i = 0; i < 7; i++) limiter.take('user', 'dave');
    const refusals = await registry.getSingleMetric('taskflow_rate_limit_refusals_total')!.get();
    expect(refusals.values).toEqual([{ labels: { policy: 'user' }, value: 2 }]);
  });

  it('exchanges every interval once started, and stops', async () => {
    const exchange = vi.fn(async () => []);
    const limiter = createRateLimiter({ policies, now, exchange, syncIntervalMs: 20 });
    limiter.start();
    await vi.waitFor(() => expect(exchange.mock.calls.length).toBeGreaterThanOrEqual(3));
    await limiter.stop();
    const calls = exchange.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(exchange.mock.calls.length).toBe(calls);
  });
});
