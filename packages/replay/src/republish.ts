import type { EventEnvelope } from '@taskflow/contracts';
import {
  countEventsToRepublish,
  eventsToRepublish,
  toEnvelope,
  type Database,
  type RepublishFilter,
} from '@taskflow/db';
import { byTopic, outgoingEvent, refused, type EventPublisher } from '@taskflow/outbox';
import { pace, realClock, type Clock } from './pace.ts';

export interface RepublishOptions {
  database: Database;
  /** The relay's publisher: daprPublisher in production (original event ids, key = user). */
  publisher: EventPublisher;
  filter: RepublishFilter;
  /** Events up to this seq are done (a resumed run); 0 for a fresh one. */
  afterSeq: number;
  /** Events per second, on average and at most. */
  rate: number;
  /** Most events read and published at once. */
  batchSize: number;
  /** After each batch the broker took in full: save the resume point, show progress. */
  onBatch?(progress: RepublishProgress): Promise<void> | void;
  /** Stops after the batch in flight. */
  signal?: AbortSignal;
  retry?: RetryPolicy;
  clock?: Clock;
}

export interface RetryPolicy {
  /** Publish attempts per batch before giving up. */
  attempts: number;
  baseMs: number;
  capMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 200, capMs: 5_000 };

export interface RepublishProgress {
  /** Events republished by this run. */
  done: number;
  /** Events this run had to do when it started. */
  total: number;
  /** Every event up to this seq is done. */
  lastSeq: number;
  lastEventId: string;
  elapsedMs: number;
}

export interface RepublishResult extends Omit<RepublishProgress, 'lastEventId'> {
  lastEventId: string | undefined;
  /** True when the signal stopped it before the end. */
  stopped: boolean;
}

/** The broker kept refusing a batch. Everything up to `lastSeq` was published. */
export class RepublishError extends Error {
  override name = 'RepublishError';
  readonly lastSeq: number;
  constructor(message: string, lastSeq: number, options?: ErrorOptions) {
    super(message, options);
    this.lastSeq = lastSeq;
  }
}

/**
 * Publishes stored events again, in seq order, exactly as the relay did: the stored envelope
 * with its original event_id, to its event type's topic, through the same publisher. Consumers
 * drop what they have already applied (docs/operations.md). Progress is reported only after
 * the broker took a whole batch, so a resumed run starts after the last batch that is certainly
 * out; the batch in flight when it stopped is sent again, which consumers absorb like any
 * at-least-once duplicate.
 */
export async function republish(options: RepublishOptions): Promise<RepublishResult> {
  const clock = options.clock ?? realClock;
  const started = clock.now();
  const total = await countEventsToRepublish(options.database.db, options.filter, options.afterSeq);
  const limiter = pace(options.rate, clock);
  const batchSize = Math.max(1, Math.min(options.batchSize, Math.ceil(options.rate)));
  let lastSeq = options.afterSeq;
  let lastEventId: string | undefined;
  let done = 0;
  while (!options.signal?.aborted) {
    const rows = await eventsToRepublish(options.database.db, options.filter, lastSeq, batchSize);
    if (rows.length === 0) break;
    await limiter.take(rows.length);
    await publishInFull(
      options.publisher,
      rows.map(toEnvelope),
      options.retry ?? DEFAULT_RETRY,
      clock,
      lastSeq,
    );
    done += rows.length;
    lastSeq = rows.at(-1)!.seq;
    lastEventId = rows.at(-1)!.eventId;
    await options.onBatch?.({
      done,
      total,
      lastSeq,
      lastEventId,
      elapsedMs: clock.now() - started,
    });
  }
  return {
    done,
    total,
    lastSeq,
    lastEventId,
    elapsedMs: clock.now() - started,
    stopped: options.signal?.aborted ?? false,
  };
}

/**
 * Publishes the batch per topic (as the relay does), retrying what the broker refused with
 * exponential backoff until every event is out or the attempts are spent.
 */
async function publishInFull(
  publisher: EventPublisher,
  batch: EventEnvelope[],
  retry: RetryPolicy,
  clock: Clock,
  doneUpTo: number,
): Promise<void> {
  for (const [topic, events] of byTopic(batch, (event) => event.event_type)) {
    let pending = events.map(outgoingEvent);
    for (let attempt = 1; ; attempt++) {
      let problem: unknown;
      try {
        const { failedEventIds } = await publisher.publishBatch(topic, pending);
        if (failedEventIds.length === 0) break;
        pending = refused(pending, failedEventIds);
        problem = `the broker refused ${pending.length} of the events`;
      } catch (error) {
        problem = error;
      }
      if (attempt >= retry.attempts) {
        throw new RepublishError(
          `publishing to ${topic} failed ${attempt} times: ${problem instanceof Error ? problem.message : String(problem)}`,
          doneUpTo,
          { cause: problem },
        );
      }
      await clock.sleep(Math.min(retry.capMs, retry.baseMs * 2 ** (attempt - 1)));
    }
  }
}
