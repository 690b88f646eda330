import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce.ts';

/** A batch function whose calls stay open until released, recording what each was given. */
function gated() {
  const calls: { items: number[]; release: () => void }[] = [];
  const run = (items: number[]) =>
    new Promise<void>((resolve) => {
      calls.push({ items, release: resolve });
    });
  return { calls, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesce', () => {
  it('runs an item at once, alone, when nothing else is running', async () => {
    const { calls, run } = gated();
    const one = coalesce(run, { maxBatch: 10, concurrency: 1 });
    const result = one(1);
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    calls[0]!.release();
    await expect(result).resolves.toBeUndefined();
  });

  it('gathers the items that arrive while a batch runs into the next batch', async () => {
    const { calls, run } = gated();
    const one = coalesce(run, { maxBatch: 10, concurrency: 1 });
    const results = [1, 2, 3, 4].map((n) => one(n));
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    calls[0]!.release();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.release();
    await Promise.all(results);
  });

  it('never puts more than maxBatch items in one batch, nor runs more than concurrency batches', async () => {
    const { calls, run } = gated();
    const one = coalesce(run, { maxBatch: 2, concurrency: 2 });
    const results = [1, 2, 3, 4, 5, 6].map((n) => one(n));
    expect(calls.map((c) => c.items)).toEqual([[1], [2]]);
    calls[0]!.release();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2], [3, 4]]);
    calls[1]!.release();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2], [3, 4], [5, 6]]);
    calls[2]!.release();
    calls[3]!.release();
    expect(await Promise.all(results)).toHaveLength(6);
  });

  it('runs each item of a failed batch again alone, so only the bad one fails', async () => {
    const attempts: number[][] = [];
    const one = coalesce(
      async (items: number[]) => {
        attempts.push(items);
        if (items.includes(13)) throw new Error(`refused ${items.join(',')}`);
      },
      { maxBatch: 10, concurrency: 1 },
    );
    const first = one(1); // runs alone; the next three wait and form one batch
    const results = [12, 13, 14].map((n) =>
      one(n).then(
        () => `wrote ${n}`,
        (error: Error) => error.message,
      ),
    );
    await first;
    expect(await Promise.all(results)).toEqual(['wrote 12', 'refused 13', 'wrote 14']);
    expect(attempts).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });

  it('fails a whole batch at once when retryAlone says the error is not worth retrying', async () => {
    const attempts: number[][] = [];
    const one = coalesce(
      async (items: number[]) => {
        attempts.push(items);
        if (items.length > 1) throw new Error('connection lost');
      },
      { maxBatch: 10, concurrency: 1, retryAlone: (error) => !String(error).includes('lost') },
    );
    const first = one(1);
    const rest = [2, 3].map((n) => one(n).then(String, (error: Error) => error.message));
    await first;
    expect(await Promise.all(rest)).toEqual(['connection lost', 'connection lost']);
    expect(attempts).toEqual([[1], [2, 3]]);
  });

  it('keeps going after a failure', async () => {
    let fail = true;
    const one = coalesce(
      async () => {
        if (fail) throw new Error('down');
      },
      { maxBatch: 10, concurrency: 1 },
    );
    await expect(one(1)).rejects.toThrow('down');
    fail = false;
    await expect(one(2)).resolves.toBeUndefined();
  });
});
