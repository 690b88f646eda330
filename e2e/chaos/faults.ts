import { setTimeout as sleep } from 'node:timers/promises';
import type { Fleet, PostgresServer, Replica } from '@taskflow/testkit';
import type { Random } from './random.ts';

export type FaultKind = 'service' | 'sidecar' | 'broker' | 'postgres';

/** One thing the soak can take down and bring back. */
interface Target {
  kind: FaultKind;
  /** `task-api#1`, `daprd scheduler#0`, `broker`, `postgres`. */
  label: string;
  replica?: Replica;
  down(): Promise<void>;
  up(): Promise<void>;
}

export interface Fault {
  kind: FaultKind;
  label: string;
  /** When it was killed (ms since the epoch). */
  downAt: number;
  /** When it was started again, and when the whole fleet answered ready after that. */
  upAt?: number;
  readyAt?: number;
  /** Why it did not come back. */
  error?: string;
}

export interface Crash {
  label: string;
  at: number;
  exit: string;
  logs: string;
}

/** Every process of the fleet a soak kills in turn: each service, each sidecar, the broker, Postgres. */
function targets(fleet: Fleet, postgres: PostgresServer): Target[] {
  const replicas = Object.values(fleet.replicas).flat();
  return [
    ...replicas.map<Target>((replica) => ({
      kind: 'service',
      label: `${replica.name}#${replica.index}`,
      replica,
      async down() {
        replica.process.kill('SIGKILL');
        await replica.process.exited;
      },
      up: () => replica.restart(),
    })),
    ...replicas.map<Target>((replica) => ({
      kind: 'sidecar',
      label: `daprd ${replica.name}#${replica.index}`,
      replica,
      async down() {
        replica.daprd.kill('SIGKILL');
        await replica.daprd.process.exited;
      },
      up: () => replica.daprd.restart(),
    })),
    {
      kind: 'broker',
      label: 'broker',
      down: () => fleet.brokerControl.kill(),
      up: () => fleet.brokerControl.start(),
    },
    {
      kind: 'postgres',
      label: 'postgres',
      down: () => postgres.stop(),
      up: () => postgres.start(),
    },
  ];
}

/**
 * Kills one target every `everyMs` until `until`, keeps it down for a random 0.5 to 3 s, starts
 * it again and waits until every replica answers ready. The kinds take turns in a random order
 * (so any four faults in a row hit a service, a sidecar, the broker and Postgres), and within a
 * kind every target comes once before any twice. Between faults it watches for processes that
 * died on their own: those are crashes, restarted and reported.
 */
export async function runFaults(options: {
  fleet: Fleet;
  postgres: PostgresServer;
  random: Random;
  everyMs: number;
  until: number;
}): Promise<{ faults: Fault[]; crashes: Crash[] }> {
  const { fleet, random } = options;
  const all = targets(fleet, options.postgres);
  const faults: Fault[] = [];
  const crashes: Crash[] = [];
  const next = rotation(all, random);
  while (Date.now() + options.everyMs < options.until) {
    await watchForCrashes(fleet, options.everyMs, crashes);
    const target = next();
    const fault: Fault = { kind: target.kind, label: target.label, downAt: Date.now() };
    faults.push(fault);
    try {
      await target.down();
      await sleep(random.int(500, 3_000));
      await target.up();
      fault.upAt = Date.now();
      await fleetReady(fleet);
      fault.readyAt = Date.now();
    } catch (error) {
      fault.error = error instanceof Error ? error.message : String(error);
      await restartWhatIsDown(fleet); // the fault's own target: not a crash
    }
  }
  await watchForCrashes(fleet, 0, crashes);
  return { faults, crashes };
}

/** The next target: kinds in turns, each kind's targets in rounds, both shuffled anew. */
function rotation(all: Target[], random: Random): () => Target {
  const kinds = [...new Set(all.map((t) => t.kind))];
  const rounds = new Map<FaultKind, Target[]>();
  let turns: FaultKind[] = [];
  return () => {
    if (turns.length === 0) turns = random.shuffle(kinds);
    const kind = turns.shift() as FaultKind;
    let round = rounds.get(kind) ?? [];
    if (round.length === 0) round = random.shuffle(all.filter((t) => t.kind === kind));
    rounds.set(kind, round);
    return round.shift() as Target;
  };
}

/** Waits `ms`, checking every half second that no process of the fleet exited on its own. */
async function watchForCrashes(fleet: Fleet, ms: number, crashes: Crash[]): Promise<void> {
  const until = Date.now() + ms;
  do {
    await restartWhatIsDown(fleet, crashes);
    if (ms > 0) await sleep(Math.min(500, Math.max(0, until - Date.now())));
  } while (Date.now() < until);
}

async function restartWhatIsDown(fleet: Fleet, crashes?: Crash[]): Promise<void> {
  for (const replica of Object.values(fleet.replicas).flat()) {
    const label = `${replica.name}#${replica.index}`;
    const sidecarExit = replica.daprd.process.exitStatus();
    if (sidecarExit) {
      crashes?.push(crash(`daprd ${label}`, sidecarExit, replica.daprd.logs()));
      await replica.daprd.restart().catch(() => {});
    }
    const exit = replica.process.exitStatus();
    if (exit) {
      crashes?.push(crash(label, exit, replica.process.logs()));
      await replica.restart().catch(() => {});
    }
  }
}

function crash(label: string, exit: { code: number | null; signal: string | null }, logs: string) {
  return {
    label,
    at: Date.now(),
    exit: `code ${exit.code}, signal ${exit.signal}`,
    logs: logs.split('\n').slice(-30).join('\n'),
  };
}

/** Every replica answers `/readyz` 200 and its sidecar `/v1.0/healthz` 204 (that one includes the app). */
export async function fleetReady(fleet: Fleet, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const replicas = Object.values(fleet.replicas).flat();
  for (;;) {
    const waiting: string[] = [];
    await Promise.all(
      replicas.map(async (replica) => {
        const [app, sidecar] = await Promise.all([
          probe(`${replica.url}/readyz`, 200),
          probe(`${replica.daprd.url}/v1.0/healthz`, 204),
        ]);
        if (!app) waiting.push(`${replica.name}#${replica.index}`);
        if (!sidecar) waiting.push(`daprd ${replica.name}#${replica.index}`);
      }),
    );
    if (waiting.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`not ready ${timeoutMs / 1000} s after the fault: ${waiting.join(', ')}`);
    }
    await sleep(200);
  }
}

const probe = (url: string, status: number) =>
  fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.status === status,
    () => false,
  );
