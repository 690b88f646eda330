export interface CoalesceOptions {
  /** The most items one call of the batch function takes. */
  maxBatch: number;
  /** How many batches may run at once; the items arriving meanwhile wait and form the next. */
  concurrency: number;
  /**
   * Whether the items of a batch that failed with this error should run again alone (default:
   * always). Say no for errors that would fail each of them too, or where a batch that failed
   * may still have been written (a connection lost at its commit).
   */
  retryAlone?: (error: unknown) => boolean;
}

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Turns a write of a batch into a write of one item, by running the items that arrive while
 * earlier batches are busy as one batch. Nothing ever waits for a timer: an item that finds a
 * free slot runs at once, alone, so batches grow only as fast as the load does.
 *
 * Each caller's promise settles with its batch. When a batch of several fails, each of its items
 * runs again alone (unless `retryAlone` says no): one bad item fails only its own caller, and
 * every caller gets the error of its own item.
 */
export function coalesce<T>(
  run: (items: T[]) => Promise<void>,
  { maxBatch, concurrency, retryAlone = () => true }: CoalesceOptions,
): (item: T) => Promise<void> {
  const queue: Waiting<T>[] = [];
  let running = 0;

  const settle = async (batch: Waiting<T>[]): Promise<void> => {
    try {
      await run(batch.map((waiting) => waiting.item));
      for (const waiting of batch) waiting.resolve();
    } catch (error) {
      if (batch.length > 1 && retryAlone(error)) {
        for (const waiting of batch) await settle([waiting]);
      } else {
        for (const waiting of batch) waiting.reject(error);
      }
    }
  };

  const drain = (): void => {
    while (running < concurrency && queue.length > 0) {
      running++;
      void settle(queue.splice(0, maxBatch)).finally(() => {
        running--;
        drain();
      });
    }
  };

  return (item) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      drain();
    });
}
