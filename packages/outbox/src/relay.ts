import {
  claimAndMarkPublished,
  unmarkPublished,
  outboxLagSeconds,
  type Database,
} from '@taskflow/db';
import type { Logger } from '@taskflow/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { backoffDelay } from './backoff.ts';
import { byTopic, refused, type EventPublisher } from './publisher.ts';

export interface RelayOptions {
  database: Database;
  publisher: EventPublisher;
  logger: Logger;
  /** Where the relay's metrics are registered (the service's /metrics). */
  registry: Registry;
  /** Most events claimed per round: bounds memory and the time rows stay locked. */
  batchSize?: number;
  /** Fallback poll for rows that other processes wrote. */
  pollIntervalMs?: number;
  /**
   * After a wake-up, how long to let more commits gather before claiming. Without it, every
   * commit under load costs a round of its own (a transaction and a sidecar call per event).
   */
  lingerMs?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
}

export interface Relay {
  /** Wake the relay now: call it after committing a transaction that appended events. */
  notify(): void;
  /** Finish the round in progress, then stop. */
  stop(): Promise<void>;
}

/**
 * Publishes unpublished events in `seq` order and marks them, at least once. While the broker is
 * down, rounds fail and are retried with backoff; the events wait in Postgres, so no user write
 * ever fails because of the broker. Several relays (replicas, services) can run at once: each
 * round claims its rows with SKIP LOCKED.
 */
export function startRelay(options: RelayOptions): Relay {
  const { database, publisher, logger } = options;
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const lingerMs = options.lingerMs ?? 5;
  const metrics = relayMetrics(options.registry, database);

  let stopped = false;
  let failures = 0;
  let wake: (() => void) | undefined;
  let pending = true; // a notify() that arrived while a round was running

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /**
   * One round: claim and mark, publish per topic, unmark what the broker refused. Its phases
   * are timed for rounds that claimed anything: begin (a pooled connection and BEGIN), claim,
   * publish, commit (unmark and COMMIT).
   */
  async function round(): Promise<{ claimed: number; refused: number }> {
    const phase = phaseClock(metrics.roundPhase);
    const result = await database.transaction(async (tx) => {
      phase.end('begin');
      const rows = await claimAndMarkPublished(tx, batchSize);
      if (rows.length === 0) return { claimed: 0, refused: 0 };
      phase.end('claim');
      metrics.batchSize.observe(rows.length);
      const refusedSeqs: number[] = [];
      for (const [topic, events] of byTopic(rows, (event) => event.eventType)) {
        const { failedEventIds } = await publisher.publishBatch(topic, events);
        for (const event of refused(events, failedEventIds)) refusedSeqs.push(event.seq);
      }
      phase.end('publish');
      await unmarkPublished(tx, refusedSeqs);
      return { claimed: rows.length, refused: refusedSeqs.length };
    });
    // Counted once committed: a round whose COMMIT fails is published again later.
    if (result.claimed > 0) {
      phase.end('commit');
      metrics.published.inc(result.claimed - result.refused);
      metrics.failed.inc(result.refused);
    }
    phase.report();
    return result;
  }

  // One line when publishing starts failing and one when it works again, not one per attempt:
  // a broker outage of minutes would otherwise bury everything else in the log.
  const outage = outageLog(logger);

  const loop = (async () => {
    while (!stopped) {
      if (pending && lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
      pending = false;
      let problem: unknown;
      try {
        const { claimed, refused } = await round();
        if (refused === 0) {
          failures = 0;
          outage.published(claimed);
          // More may be waiting: a full batch, a wake-up meanwhile, or the later events of an
          // aggregate that this round's claim held back (one per aggregate per round). Without
          // this, a commit of two events of one task published the second a poll later.
          if (claimed > 0 || pending) continue;
          outage.caughtUp();
        } else {
          problem = `${refused} of ${claimed} events were refused by the broker`;
        }
      } catch (error) {
        metrics.failedRounds.inc();
        problem = error;
      }
      if (problem !== undefined) {
        failures++;
        const delay = backoffDelay(
          failures,
          options.retryBaseMs ?? 100,
          options.retryCapMs ?? 5000,
        );
        outage.failed(problem, delay);
        await sleep(delay);
        continue;
      }
      if (!stopped && !pending) await sleep(pollIntervalMs);
    }
  })();

  return {
    notify() {
      pending = true;
      // After a failure, backoff wins: hammering a dead broker on every write helps nobody.
      if (failures === 0) wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/**
 * The relay's log across an outage: a warning at the first failed round (with its error), every
 * further failure at debug level only, and once the backlog is published, one line with how many
 * events went out, after how many failed rounds and how long.
 */
function outageLog(logger: Logger) {
  let outage: { since: number; failedRounds: number; published: number } | undefined;
  return {
    failed(problem: unknown, retryInMs: number) {
      if (outage === undefined) {
        outage = { since: Date.now(), failedRounds: 1, published: 0 };
        logger.warn(
          { err: problem, retryInMs },
          'outbox relay: broker unreachable; events wait in the outbox, retried with backoff',
        );
        return;
      }
      outage.failedRounds++;
      logger.debug(
        { err: problem, failedRounds: outage.failedRounds, retryInMs },
        'outbox relay: publish failed again',
      );
    },
    published(count: number) {
      if (outage) outage.published += count;
    },
    /**
     * The last round claimed less than a batch: the backlog is out. Only once something went out:
     * a round that found nothing to claim (another relay holds the rows, or none are left) did
     * not reach the broker, so it says nothing about it.
     */
    caughtUp() {
      if (outage === undefined || outage.published === 0) return;
      const { since, failedRounds, published } = outage;
      outage = undefined;
      logger.info(
        { published, failedRounds, outageSeconds: Math.round((Date.now() - since) / 100) / 10 },
        `outbox relay: broker is back: ${published} events published`,
      );
    },
  };
}

function relayMetrics(registry: Registry, database: Database) {
  return {
    published: new Counter({
      name: 'taskflow_outbox_published_total',
      help: 'Events the relay published and marked',
      registers: [registry],
    }),
    failed: new Counter({
      name: 'taskflow_outbox_failed_total',
      help: 'Events the broker refused (they stay in the outbox and are retried)',
      registers: [registry],
    }),
    failedRounds: new Counter({
      name: 'taskflow_outbox_failed_rounds_total',
      help: 'Relay rounds that could not publish at all (sidecar or broker down)',
      registers: [registry],
    }),
    // Where an event's time in the outbox goes: a round claims a batch, then publishes it, and
    // what commits meanwhile waits for the next round. Empty rounds (idle polls) are not counted.
    roundPhase: new Histogram({
      name: 'taskflow_outbox_round_phase_seconds',
      help: 'Time a relay round spent getting a connection and beginning (phase=begin), claiming its batch (claim), publishing it (publish), and committing (commit)',
      labelNames: ['phase'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'taskflow_outbox_batch_size',
      help: 'Events claimed by a relay round that claimed any',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'taskflow_outbox_lag_seconds',
      help: 'Age of the oldest unpublished event',
      registers: [registry],
      async collect() {
        this.set(await outboxLagSeconds(database.db).catch(() => Number.NaN));
      },
    }),
  };
}

type RoundPhase = 'begin' | 'claim' | 'publish' | 'commit';

/** Times consecutive phases; reports them only if the round got as far as claiming rows. */
function phaseClock(histogram: Histogram<'phase'>) {
  let last = performance.now();
  const seconds = new Map<RoundPhase, number>();
  return {
    end(phase: RoundPhase) {
      const now = performance.now();
      seconds.set(phase, (now - last) / 1000);
      last = now;
    },
    report() {
      if (!seconds.has('claim')) return;
      for (const [phase, value] of seconds) histogram.observe({ phase }, value);
    },
  };
}
