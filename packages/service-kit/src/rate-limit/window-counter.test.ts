import { describe, expect, it } from 'vitest';
import { WindowCounter } from './window-counter.ts';

const policy = { name: 'user', quota: 3, windowSeconds: 60 };
/** 10 s into a window. */
const t0 = 1_000 * 60_000 + 10_000;

describe('WindowCounter', () => {
  it('admits quota requests per key and window, then refuses until the window ends', () => {
    const counter = new WindowCounter(policy);
    expect([1, 2, 3, 4].map(() => counter.take('alice', t0))).toEqual([
      { allowed: true, remaining: 2, resetSeconds: 50 },
      { allowed: true, remaining: 1, resetSeconds: 50 },
      { allowed: true, remaining: 0, resetSeconds: 50 },
      { allowed: false, remaining: 0, resetSeconds: 50 },
    ]);
    expect(counter.take('bob', t0).allowed).toBe(true);
    expect(counter.take('alice', t0 + 49_500)).toEqual({
      allowed: false,
      remaining: 0,
      resetSeconds: 1,
    });
    expect(counter.take('alice', t0 + 50_000)).toEqual({
      allowed: true,
      remaining: 2,
      resetSeconds: 60,
    });
  });

  it('does not count refused requests', () => {
    const counter = new WindowCounter(policy);
    for (let i = 0; i < 10; i++) counter.take('alice', t0);
    expect(counter.snapshot(t0).counts).toEqual({ alice: 3 });
  });

  it("adds the other replicas' counts of the same window, and ignores another window's", () => {
    const counter = new WindowCounter(policy);
    const window = Math.floor(t0 / 60_000);
    counter.setPeers(
      [
        { window, counts: { alice: 1 } },
        { window, counts: { alice: 1, bob: 3 } },
        { window: window - 1, counts: { carol: 3 } },
      ],
      t0,
    );
    expect(counter.take('alice', t0)).toMatchObject({ allowed: true, remaining: 0 });
    expect(counter.take('alice', t0).allowed).toBe(false);
    expect(counter.take('bob', t0).allowed).toBe(false);
    expect(counter.take('carol', t0)).toMatchObject({ allowed: true, remaining: 2 });
    // Only its own admissions are published: no replica counts another's twice.
    expect(counter.snapshot(t0)).toEqual({ window, counts: { alice: 1, carol: 1 } });
  });

  it('forgets the peers and its own counts when the window rolls over', () => {
    const counter = new WindowCounter(policy);
    const window = Math.floor(t0 / 60_000);
    counter.setPeers([{ window, counts: { alice: 3 } }], t0);
    expect(counter.take('alice', t0).allowed).toBe(false);
    expect(counter.take('alice', t0 + 60_000).allowed).toBe(true);
    expect(counter.snapshot(t0 + 60_000)).toEqual({ window: window + 1, counts: { alice: 1 } });
  });

  it('ignores peer counts that are not positive whole numbers', () => {
    const counter = new WindowCounter(policy);
    const window = Math.floor(t0 / 60_000);
    counter.setPeers([{ window, counts: { alice: -5, bob: 1.5, carol: Number.NaN } }], t0);
    for (const key of ['alice', 'bob', 'carol']) {
      expect(counter.take(key, t0)).toMatchObject({ allowed: true, remaining: 2 });
    }
  });
});
