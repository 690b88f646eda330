import { readdirSync, readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { connect as connectDatabase, outboxLagSeconds } from '@taskflow/db';
import type { Fleet } from '@taskflow/testkit';

/**
 * The benchmarks drive thousands of requests a second from one address, as one or a few users:
 * far over the default rate limits, which are meant for people. They measure throughput, so
 * their fleets run with the limits off (`pnpm bench:api` measures what the limiter costs).
 */
export const NO_RATE_LIMITS = { RATE_LIMIT_USER: '0', RATE_LIMIT_ADDRESS: '0' };

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** Processes whose command line matches, from /proc: no child process, so cheap mid-run. */
export function pidsMatching(pattern: RegExp): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return line ? Number(line[1]) / 1024 : 0;
}

export async function waitForOk(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** The value at quantile q (0 to 1) of values sorted ascending; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

/** A whole number for a table cell, `-` for NaN and infinities. */
export function int(value: number): string {
  return Number.isFinite(value) ? value.toFixed(0) : '-';
}

/** A Markdown table: the header cells, then one row of cells each. */
export function markdownTable(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)];
}

/** The processes of a Dapr fleet (or of the one process without Dapr) a benchmark counts. */
export interface ProcessGroup {
  name: string;
  pids: number[];
}

/**
 * What a fleet runs, as the CPU columns count it: task-api, its daprd, ws-notifier, its daprd,
 * Postgres, the broker (without Dapr, the one process in the first column and no sidecars).
 * Postgres is the server's own processes and the backends of the fleet's database, not those of
 * other databases on the same server. Listed from /proc each time: pools open backends mid-run.
 */
export function fleetProcesses(fleet: Fleet): ProcessGroup[] {
  const api = fleet.replicas['task-api'][0]!;
  const notifier = fleet.replicas['ws-notifier'][0]!;
  const one = fleet.mode === 'standalone';
  return [
    { name: 'task-api', pids: [api.process.pid!] },
    { name: 'task-api daprd', pids: one ? [] : [api.daprd.process.pid!] },
    { name: 'ws-notifier', pids: one ? [] : [notifier.process.pid!] },
    { name: 'ws-notifier daprd', pids: one ? [] : [notifier.daprd.process.pid!] },
    { name: 'postgres', pids: postgresProcesses(fleet.database.url) },
    {
      name: 'broker',
      pids: {
        kafka: () => pidsMatching(/kafka\.Kafka/),
        rabbitmq: () => pidsMatching(/beam\.smp.*-s rabbit boot/),
        jetstream: () => pidsMatching(/nats-server/),
        redis: () => pidsMatching(new RegExp(`redis-server.*:${fleet.redisPort}`)),
        'in-process': () => [],
      }[fleet.broker](),
    },
  ];
}

/**
 * The Postgres server's own processes and the backends of the database of `databaseUrl`, not
 * those of other databases on the same server (other tests' and benchmarks').
 */
export function postgresProcesses(databaseUrl: string): number[] {
  const database = new URL(databaseUrl).pathname.slice(1);
  const escaped = database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const otherBackend = new RegExp(
    `^postgres: \\S+ (?!${escaped} )\\S+ (\\S+\\(\\d+\\)|\\[local\\])`,
  );
  return pidsMatching(/(^|\/)postgres[: ]/).filter((pid) => !otherBackend.test(cmdline(pid)));
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** cpuSeconds, 0 for a process gone meanwhile. */
export function safeCpu(pid: number): number {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0;
  }
}

/** rssMiB, 0 for a process gone meanwhile. */
export function safeRss(pid: number): number {
  try {
    return rssMiB(pid);
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of each group from now until `stop()`, and this process's (the load generator)
 * as the last figure. The groups are listed again at the stop: a process born meanwhile (a
 * Postgres backend) spent all of its CPU inside the window.
 */
export function cpuWindow(list: () => ProcessGroup[]) {
  const before = new Map(
    list().flatMap((group) => group.pids.map((pid) => [pid, safeCpu(pid)] as const)),
  );
  const generatorBefore = process.cpuUsage();
  return {
    stop(): { groups: ProcessGroup[]; seconds: number[] } {
      const groups = list();
      const seconds = groups.map((group) =>
        group.pids.reduce((sum, pid) => sum + safeCpu(pid) - (before.get(pid) ?? 0), 0),
      );
      const generator = process.cpuUsage(generatorBefore);
      seconds.push((generator.user + generator.system) / 1e6);
      return { groups, seconds };
    },
  };
}

/**
 * Open loop: calls `send` `rate` times a second until `stopAt` (performance.now()), whatever
 * the answers; resolves once every call has. `send` must not reject.
 */
export async function offerAtRate(
  rate: number,
  stopAt: number,
  send: () => Promise<void>,
): Promise<void> {
  const interval = 1000 / rate;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; performance.now() < stopAt; i++) {
    const wait = started + i * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send());
  }
  await Promise.all(pending);
}

/**
 * A user's task socket on ws-notifier's first replica, authenticated with their JWT; resolves
 * once open. `ws`, not Node's built-in WebSocket: the load generator shares the cores with what
 * it measures, and `ws` costs it far less CPU per message. Messages come as raw bytes.
 */
export function openTaskSocket(
  fleet: Fleet,
  user: { id: string; token: string },
  onMessage: (data: Buffer) => void,
): Promise<WebSocket> {
  const url = `${fleet.replicas['ws-notifier'][0]!.url.replace('http', 'ws')}/ws/user/${user.id}/tasks`;
  const ws = new WebSocket(url, ['bearer', user.token], { skipUTF8Validation: true });
  ws.on('message', onMessage);
  return new Promise<WebSocket>((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The outbox lag (age of the oldest unpublished event) every 250 ms, until stopped. */
export async function sampleOutboxLag(fleet: Fleet) {
  const database = connectDatabase(fleet.database.url, { max: 1, applicationName: 'bench' });
  await outboxLagSeconds(database.db);
  const samples: Array<{ at: number; lagMs: number }> = [];
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const at = performance.now();
    inFlight = outboxLagSeconds(database.db).then(
      (lag) => samples.push({ at, lagMs: lag * 1000 }),
      () => {}, // a missed sample leaves a gap in the timeline, nothing more
    );
  }, 250);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      await database.close();
      return samples;
    },
  };
}

/** taskflow_ws_delivery_lag_seconds: cumulative count per bucket bound (ms). */
export function lagBuckets(metrics: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const [, le, count] of metrics.matchAll(
    /^taskflow_ws_delivery_lag_seconds_bucket\{le="([^"]+)"[^}]*\} (\S+)$/gm,
  )) {
    buckets.set(le === '+Inf' ? Infinity : Number(le) * 1000, Number(count));
  }
  return buckets;
}

/** The smallest bucket bound holding quantile q of what was observed between two scrapes. */
export function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number) {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  const bound = bounds.find((le) => (after.get(le)! - (before.get(le) ?? 0)) / total >= q);
  return bound ?? Infinity;
}

/** A service's Prometheus text, from its /metrics. */
export async function metricsOf(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}
