/**
 * One queue per partition: a partition's records are handled one at a time, in offset order,
 * while different partitions' records are handled concurrently (a record that is being retried
 * holds up its own partition only, as behind a Dapr subscriber).
 */
export interface PartitionLanes<T> {
  /** Queues an item behind the others of its lane. */
  push(lane: string, item: T): void;
  /** Items queued or in progress, over every lane. */
  readonly size: number;
  /** Resolves once fewer than `limit` items are queued or in progress: the reader's brake. */
  room(): Promise<void>;
  /** Drops what has not started in one lane (its item in progress finishes). */
  drop(lane: string): void;
  /** Drops what has not started, then resolves once the items in progress have finished. */
  drain(): Promise<void>;
}

/** `work` must not reject: it owns the retries and the logging of its item. */
export function partitionLanes<T>(
  work: (item: T) => Promise<void>,
  limit: number,
): PartitionLanes<T> {
  const queues = new Map<string, T[]>();
  const running = new Map<string, Promise<void>>();
  let size = 0;
  let waiters: Array<() => void> = [];

  const release = () => {
    if (size >= limit) return;
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };

  const run = (lane: string): Promise<void> =>
    (async () => {
      for (
        let item = queues.get(lane)?.shift();
        item !== undefined;
        item = queues.get(lane)?.shift()
      ) {
        try {
          await work(item);
        } finally {
          size--;
          release();
        }
      }
      running.delete(lane);
      queues.delete(lane);
    })();

  return {
    push(lane, item) {
      const queue = queues.get(lane);
      if (queue) queue.push(item);
      else queues.set(lane, [item]);
      size++;
      if (!running.has(lane)) running.set(lane, run(lane));
    },
    get size() {
      return size;
    },
    room() {
      if (size < limit) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    drop(lane) {
      const queue = queues.get(lane);
      if (!queue) return;
      size -= queue.length;
      queue.length = 0;
      release();
    },
    async drain() {
      for (const queue of queues.values()) {
        size -= queue.length;
        queue.length = 0;
      }
      await Promise.all(running.values());
      release();
    },
  };
}
