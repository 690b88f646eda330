import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEnvelope } from '@taskflow/contracts';
import { connect, outboxLagSeconds, userEvents } from '@taskflow/db';
import { signDevToken } from '@taskflow/service-kit';
import {
  FLEET_JWT_SECRET,
  startFleet,
  startPostgresServer,
  type Broker,
  type Fleet,
} from '@taskflow/testkit';
import { eventually, waitUntilDelivering } from '../harness.ts';
import { runReplay } from '../replay-harness.ts';
import { countBy, sumCounts } from './counts.ts';
import { fleetReady, runFaults, type Crash, type Fault } from './faults.ts';
import { Random } from './random.ts';
import { WatchedSocket } from './sockets.ts';
import { Traffic, type SoakUser } from './traffic.ts';
import { delivery, expectations, judge, type Verdict } from './verdict.ts';
import { runWorkload, type WorkloadStats } from './workload.ts';

export interface SoakOptions {
  broker: Broker;
  /** How long the load and the faults last. */
  seconds: number;
  users: number;
  socketsPerUser: number;
  /** Requests per second over all users. */
  opsPerSecond: number;
  /** A fault every this many seconds. */
  faultEverySeconds: number;
  seed: number;
  /** Progress lines. */
  log(line: string): void;
}

export interface SoakReport {
  options: Omit<SoakOptions, 'log'>;
  elapsedSeconds: number;
  workload: WorkloadStats;
  attempts: number;
  events: Record<string, number>;
  sockets: {
    count: number;
    reconnects: number;
    resyncs: Record<string, number>;
    closes: Record<string, number>;
  };
  faults: Fault[];
  crashes: Crash[];
  replay: string;
  verdict: Verdict;
}

/** The replicas a soak runs: two of each, so every kind of process has a peer while it is down. */
const REPLICAS = { 'task-api': 2, 'ws-notifier': 2, scheduler: 2, 'reminder-worker': 2 };
/** After the load stops, how long every socket gets to catch up. */
const SETTLE_MS = 90_000;

/**
 * The chaos soak (`pnpm chaos`, docs/operations.md): the whole fleet under steady load while
 * one process after another is killed and restarted, then the checks of docs/benchmarks.md.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const random = new Random(options.seed);
  const { log, ...settings } = options;
  log(
    `chaos: a Postgres of its own, then the fleet on ${options.broker} (2 replicas of each service)`,
  );
  const postgres = await startPostgresServer();
  let fleet: Fleet | undefined;
  const sockets: WatchedSocket[] = [];
  try {
    fleet = await startFleet({
      broker: options.broker,
      replicas: REPLICAS,
      databaseServer: postgres.url,
      // Reminders whose worker was down at their minute fire late instead of being missed.
      env: { REMINDER_GRACE_SECONDS: '300' },
    });
    await waitUntilDelivering(fleet);
    const traffic = new Traffic(fleet.replicas['task-api'].map((r) => r.url));
    const users = await Promise.all(
      Array.from({ length: options.users }, async (_, i): Promise<SoakUser> => {
        const id = `chaos-${i}-${crypto.randomUUID()}`;
        return { id, token: await signDevToken(id, FLEET_JWT_SECRET) };
      }),
    );
    for (const user of users) {
      for (let i = 0; i < options.socketsPerUser; i++) {
        const replica = i % fleet.replicas['ws-notifier'].length;
        const notifier = fleet.replicas['ws-notifier'][replica]!;
        const socket = new WatchedSocket(
          user,
          replica,
          notifier.url.replace('http', 'ws'),
          traffic,
        );
        sockets.push(socket);
        socket.connect();
      }
    }
    await eventually(
      () => sockets.filter((s) => s.state === 'open' && s.snapshots.length > 0).length,
      (open) => open === sockets.length,
      60_000,
    );
    log(`chaos: ${sockets.length} sockets open; load and faults for ${options.seconds} s`);

    const until = Date.now() + options.seconds * 1000;
    const [workload, { faults, crashes }] = await Promise.all([
      runWorkload({ users, traffic, random, opsPerSecond: options.opsPerSecond, until }),
      runFaults({
        fleet,
        postgres,
        random,
        everyMs: options.faultEverySeconds * 1000,
        until,
      }).then((result) => {
        log(`chaos: ${result.faults.length} faults done`);
        return result;
      }),
    ]);
    const cutoff = Date.now();
    log('chaos: load stopped; waiting for the fleet, the outbox and every socket');
    await fleetReady(fleet);
    const events = await settle(fleet, users, sockets, cutoff);
    const replay = await runReplay(fleet, ['verify']);
    for (const socket of sockets) await socket.settled();
    const verdict = judge({ traffic, workload, sockets, events, faults, crashes, replay, cutoff });
    return {
      options: settings,
      elapsedSeconds: Math.round((Date.now() - started) / 1000),
      workload,
      attempts: traffic.attempts.length,
      events: countBy([...events.values()].flat().map((e) => e.event_type)),
      sockets: {
        count: sockets.length,
        reconnects: sockets.reduce((sum, s) => sum + Math.max(0, s.opens - 1), 0),
        resyncs: sumCounts(sockets.map((s) => s.resyncs)),
        closes: sumCounts(sockets.map((s) => s.closes)),
      },
      faults,
      crashes,
      replay: replay.stdout.trim(),
      verdict,
    };
  } catch (error) {
    if (fleet) console.error(fleet.logs());
    throw error;
  } finally {
    for (const socket of sockets) socket.close();
    await fleet?.stop();
    await postgres.destroy();
  }
}

/**
 * Waits until the outbox has published everything and every socket has every event of its user
 * up to the cut-off (or SETTLE_MS passed: what is still missing then is lost), and returns those
 * events as stored.
 */
async function settle(
  fleet: Fleet,
  users: SoakUser[],
  sockets: WatchedSocket[],
  cutoff: number,
): Promise<Map<string, EventEnvelope[]>> {
  const database = connect(fleet.database.url, { max: 2 });
  try {
    const deadline = Date.now() + SETTLE_MS;
    while (Date.now() < deadline && (await outboxLagSeconds(database.db)) > 0) await sleep(500);
    const events = new Map<string, EventEnvelope[]>();
    for (const user of users) {
      const own = await userEvents(database.db, user.id);
      events.set(
        user.id,
        own.filter((e) => Date.parse(e.timestamp) <= cutoff),
      );
    }
    const expected = expectations(events);
    while (Date.now() < deadline) {
      for (const socket of sockets) await socket.settled();
      if (delivery(sockets, expected).lost === 0) break;
      await sleep(1_000);
    }
    return events;
  } finally {
    await database.close();
  }
}
