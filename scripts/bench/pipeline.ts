// `pnpm bench:pipeline [redis|kafka|standalone|standalone-kafka]`: events from HTTP create to
// WebSocket delivery, through the real fleet (task-api and ws-notifier from their built output,
// each with its daprd, the outbox relay, the broker), or through the one process without Dapr
// (services/standalone) on its in-process bus or on direct Kafka. Open-loop fixed rates (500, 1,000, 2,000 creates/s) for latency, then a
// closed loop for the sustained maximum. Prints a Markdown section for docs/benchmarks.md.
import os from 'node:os';
import { signDevToken } from '@taskflow/service-kit';
import {
  FLEET_JWT_SECRET,
  startFleet,
  type Broker,
  type Fleet,
  type FleetMode,
} from '@taskflow/testkit';
import {
  cpuWindow,
  fleetProcesses,
  int,
  NO_RATE_LIMITS,
  offerAtRate,
  openTaskSocket,
  percentile,
  safeRss,
  sampleOutboxLag,
} from './measure.ts';
import { jsonPost, rawHttpPool } from './raw-http.ts';

const target = process.argv[2] ?? 'redis';
const TARGETS: Record<string, { broker: Broker; mode: FleetMode }> = {
  redis: { broker: 'redis', mode: 'dapr' },
  kafka: { broker: 'kafka', mode: 'dapr' },
  rabbitmq: { broker: 'rabbitmq', mode: 'dapr' },
  jetstream: { broker: 'jetstream', mode: 'dapr' },
  standalone: { broker: 'in-process', mode: 'standalone' },
  'standalone-kafka': { broker: 'kafka', mode: 'standalone' },
};
if (!TARGETS[target]) throw new Error(`one of ${Object.keys(TARGETS).join(', ')}, not ${target}`);
const { broker, mode } = TARGETS[target]!;
const standalone = mode === 'standalone';
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
// Each run first holds its load this long unmeasured, then measures the next `seconds` of the
// same, unbroken load: the figures are the steady state, not the climb to it (pools growing,
// the JIT, a relay coming out of idle).
const warmSeconds = Number(process.env.BENCH_WARM_SECONDS ?? 3);
const rates = (process.env.BENCH_RATES ?? '500,1000,2000').split(',').map(Number);
// BENCH_REPEAT=n: every run n times over (on the same fleet), then the median of each kind.
const repeat = Number(process.env.BENCH_REPEAT ?? 1);
const USERS = 50;
const CLOSED_LOOP = 'closed loop, 64 in flight';
// BENCH_TIMELINE=1: after each run, a second-by-second table on stderr (latency by send time,
// and the outbox lag sampled every 250 ms), to see where and when a queue builds up.
const timeline = Boolean(process.env.BENCH_TIMELINE);

const fleet = await startFleet({
  broker,
  mode,
  replicas: { 'task-api': 1, 'ws-notifier': 1 },
  env: { LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '20', ...NO_RATE_LIMITS },
});

try {
  const api = rawHttpPool(fleet.api, 64);
  const users = await Promise.all(
    Array.from({ length: USERS }, async (_, i) => {
      const id = `bench-${i}-${Date.now().toString(36)}`;
      const token = await signDevToken(id, FLEET_JWT_SECRET);
      const create = jsonPost(
        `/api/${id}/tasks`,
        { authorization: `Bearer ${token}` },
        '{"title":"bench","due_date":"2030-01-01T00:00:00Z"}',
      );
      return { id, token, create };
    }),
  );
  const sentAt = new Map<string, number>();
  // A task's message can arrive before its POST's answer has been read: kept until it is.
  const arrivedFirst = new Map<string, number>();
  // Only events sent inside the measured window count (all of them during the first warm-up);
  // the throughput is what arrives inside it, whenever it was sent.
  let windowStart = -Infinity;
  let windowEnd = Infinity;
  let sent = 0;
  let delivered = 0;
  let arrivedInWindow = 0;
  const latencies: number[] = [];
  const sends: number[] = []; // send time of each latency, for the timeline
  const seen = new Set<string>();
  const arrived = (id: string, sentTime: number, at: number) => {
    if (seen.has(id)) return;
    seen.add(id);
    if (at >= windowStart && at < windowEnd) arrivedInWindow++;
    if (sentTime < windowStart) return;
    delivered++;
    latencies.push(at - sentTime);
    sends.push(sentTime);
  };
  const sockets = await Promise.all(
    users.map((user) =>
      connect(fleet, user, (id) => {
        const sent = sentAt.get(id);
        if (sent === undefined) arrivedFirst.set(id, performance.now());
        else arrived(id, sent, performance.now());
      }),
    ),
  );

  let next = 0;
  const create = async () => {
    const user = users[next++ % USERS]!;
    const started = performance.now();
    const { status, body } = await api.send(user.create);
    if (status !== 201) throw new Error(`create answered ${status}`);
    if (started >= windowStart) sent++;
    const task = JSON.parse(body) as { id: string };
    sentAt.set(task.id, started);
    const early = arrivedFirst.get(task.id);
    if (early !== undefined) {
      arrivedFirst.delete(task.id);
      arrived(task.id, started, early);
    }
  };

  await warmUp(create, () => delivered);
  const rows: Row[] = [];
  for (let round = 1; round <= repeat; round++) {
    const suffix = repeat > 1 ? ` (${round})` : '';
    for (const rate of rates) rows.push(await fixedRate(rate, suffix));
    if (!process.env.BENCH_NO_CLOSED) rows.push(await closedLoop(suffix));
  }
  for (const socket of sockets) socket.close();
  api.close();

  console.log(
    [
      `### HTTP create -> WebSocket delivery on ${target} (\`pnpm bench:pipeline ${target}\`, ${new Date().toISOString().slice(0, 10)})`,
      '',
      `${os.cpus().length} cores, Node ${process.version}; ` +
        (standalone
          ? 'the one process without Dapr (its CPU and memory in the task-api column), '
          : 'task-api, ws-notifier, their two daprd, ') +
        `Postgres, ${{ kafka: 'Kafka', redis: 'Redis', rabbitmq: 'RabbitMQ', jetstream: 'NATS JetStream', 'in-process': 'no broker' }[broker]} ` +
        'and this load generator all on one machine; ' +
        `${USERS} users with one socket each; each run measures ${seconds} s after ${warmSeconds} s ` +
        'at the same load. Latency is from sending the POST to the message arriving on the ' +
        'socket; delivered/s counts the messages that arrived during the measured seconds, so ' +
        'it falls short of the rate sent when a queue grows.',
      '',
      '| run | creates/s sent | delivered/s | lost | p50 ms | p95 ms | p99 ms | CPU: task-api / its daprd / ws-notifier / its daprd / Postgres / broker / load generator | CPU µs per event, all processes | RSS MiB: task-api / its daprd / ws-notifier / its daprd / Postgres / broker |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(formatRow),
      ...(repeat > 1 ? ['', ...summarise(rows)] : []),
    ].join('\n'),
  );

  async function fixedRate(rate: number, suffix: string): Promise<Row> {
    return measure(`fixed ${rate}/s${suffix}`, (stopAt) =>
      offerAtRate(rate, stopAt, () => create().catch(() => {})),
    );
  }

  async function closedLoop(suffix: string): Promise<Row> {
    return measure(`${CLOSED_LOOP}${suffix}`, async (stopAt) => {
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (performance.now() < stopAt) await create().catch(() => {});
        }),
      );
    });
  }

  async function measure(name: string, load: (stopAt: number) => Promise<void>): Promise<Row> {
    // Connected before the window too: a new connection costs both ends a SCRAM handshake.
    const lags = timeline ? await sampleOutboxLag(fleet) : undefined;
    const stopAt = performance.now() + (warmSeconds + seconds) * 1000;
    const loading = load(stopAt);
    await new Promise((r) => setTimeout(r, warmSeconds * 1000));
    windowStart = performance.now();
    windowEnd = stopAt;
    latencies.length = 0;
    sends.length = 0;
    sent = 0;
    delivered = 0;
    arrivedInWindow = 0;
    const cpuUse = cpuWindow(() => fleetProcesses(fleet));
    const start = windowStart;
    const relayBefore = timeline ? await relayRounds(fleet) : undefined;
    await loading;
    const lagSamples = await lags?.stop();
    // Rates are per second of sending; CPU is over the sending and the answers still due.
    const window = (stopAt - start) / 1000;
    const elapsed = (performance.now() - start) / 1000;
    const { groups: pids, seconds: cpu } = cpuUse.stop();
    const rss = pids.map((p) => p.pids.reduce((sum, pid) => sum + safeRss(pid), 0));
    // Stragglers: wait until everything sent is delivered, or 10 s.
    for (let i = 0; i < 100 && delivered < sent; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (lagSamples) printTimeline(name, start, latencies, sends, lagSamples);
    if (relayBefore) printRelayRounds(relayBefore, await relayRounds(fleet));
    latencies.sort((a, b) => a - b);
    const pct = (q: number) => percentile(latencies, q);
    return {
      name,
      sentPerSecond: sent / window,
      deliveredPerSecond: arrivedInWindow / window,
      lost: sent - delivered,
      p50: pct(0.5),
      p95: pct(0.95),
      p99: pct(0.99),
      cpuShares: cpu.map((c) => c / elapsed),
      // Everything the machine spent in the window, per event sent in it: the figure to shrink.
      cpuPerEvent: sent ? (cpu.reduce((a, b) => a + b, 0) / sent) * 1e6 : NaN,
      rss,
    };
  }
} finally {
  await fleet.stop();
}

interface Row {
  name: string;
  sentPerSecond: number;
  deliveredPerSecond: number;
  lost: number;
  p50: number;
  p95: number;
  p99: number;
  /** Cores used: task-api, its daprd, ws-notifier, its daprd, Postgres, broker, generator. */
  cpuShares: number[];
  cpuPerEvent: number;
  rss: number[];
}

function formatRow(row: Row): string {
  return `| ${row.name} | ${int(row.sentPerSecond)} | ${int(row.deliveredPerSecond)} | ${row.lost} | ${int(row.p50)} | ${int(row.p95)} | ${int(row.p99)} | ${row.cpuShares.map((c) => `${int(100 * c)}%`).join(' / ')} | ${int(row.cpuPerEvent)} | ${row.rss.map(int).join(' / ')} |`;
}

/** BENCH_REPEAT > 1: the median and range of each kind of run, so no single run speaks alone. */
function summarise(rows: Row[]): string[] {
  const kindOf = (row: Row) => row.name.replace(/ \(\d+\)$/, '');
  const kinds = [...new Set(rows.map(kindOf))];
  const spread = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${int(sorted[Math.floor((sorted.length - 1) / 2)]!)} (${int(sorted[0]!)}-${int(sorted.at(-1)!)})`;
  };
  return [
    `Median (min-max) of ${rows.length / kinds.length} runs of each:`,
    '',
    '| run | delivered/s | lost | p50 ms | p99 ms | CPU µs per event |',
    '|---|---|---|---|---|---|',
    ...kinds.map((kind) => {
      const of = rows.filter((row) => kindOf(row) === kind);
      const total = of.reduce((sum, row) => sum + row.lost, 0);
      const field = (pick: (row: Row) => number) => spread(of.map(pick));
      return `| ${kind} | ${field((r) => r.deliveredPerSecond)} | ${total} | ${field((r) => r.p50)} | ${field((r) => r.p99)} | ${field((r) => r.cpuPerEvent)} |`;
    }),
  ];
}

async function warmUp(create: () => Promise<void>, delivered: () => number) {
  for (let i = 0; i < 600 && delivered() === 0; i++) {
    await create();
    await new Promise((r) => setTimeout(r, 100));
  }
  if (delivered() === 0)
    throw new Error('bench:pipeline: nothing was delivered during the warm-up');
  const until = performance.now() + 3000;
  while (performance.now() < until) await Promise.all(Array.from({ length: 10 }, create));
  await new Promise((r) => setTimeout(r, 1000));
}

function connect(fleet: Fleet, user: { id: string; token: string }, onTask: (id: string) => void) {
  return openTaskSocket(fleet, user, (data) => {
    // Control messages (hello, resync, pong) carry no task.
    const id = (JSON.parse(String(data)) as { data?: { id?: string } }).data?.id;
    if (id) onTask(id);
  });
}

function printTimeline(
  name: string,
  start: number,
  latencies: number[],
  sends: number[],
  lags: Array<{ at: number; lagMs: number }>,
) {
  const second = (at: number) => Math.floor((at - start) / 1000);
  const bySecond = new Map<number, { latencies: number[]; lagMs: number }>();
  const row = (s: number) =>
    bySecond.get(s) ?? bySecond.set(s, { latencies: [], lagMs: 0 }).get(s)!;
  latencies.forEach((latency, i) => row(second(sends[i]!)).latencies.push(latency));
  for (const { at, lagMs } of lags.filter((sample) => sample.at >= start)) {
    row(second(at)).lagMs = Math.max(row(second(at)).lagMs, lagMs);
  }
  const lines = [`${name}: second | sent | p50 ms | max ms | outbox lag max ms`];
  for (const [s, { latencies: l, lagMs }] of [...bySecond].sort(([a], [b]) => a - b)) {
    l.sort((a, b) => a - b);
    const at = (q: number) => (l.length ? l[Math.floor(q * (l.length - 1))]!.toFixed(0) : '-');
    lines.push(`${s} | ${l.length} | ${at(0.5)} | ${at(1)} | ${lagMs.toFixed(0)}`);
  }
  console.error(lines.join('\n'));
}

/** task-api's relay round and create batch metrics (sums and counts), from its /metrics. */
async function relayRounds(fleet: Fleet): Promise<Map<string, number>> {
  const text = await (await fetch(`${fleet.api}/metrics`)).text();
  const values = new Map<string, number>();
  for (const match of text.matchAll(
    /^(taskflow_(?:outbox_round_phase_seconds|outbox_batch_size|task_create_batch_size)_(?:sum|count))(?:\{([^}]*)\})? (\S+)$/gm,
  )) {
    const phase = /phase="(\w+)"/.exec(match[2] ?? '')?.[1];
    values.set(phase ? `${match[1]}:${phase}` : match[1]!, Number(match[3]));
  }
  return values;
}

function printRelayRounds(before: Map<string, number>, after: Map<string, number>) {
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const mean = (sum: string, count: string, scale = 1) =>
    delta(count) ? ((scale * delta(sum)) / delta(count)).toFixed(1) : '-';
  const phase = (name: string) =>
    mean(
      `taskflow_outbox_round_phase_seconds_sum:${name}`,
      `taskflow_outbox_round_phase_seconds_count:${name}`,
      1000,
    );
  console.error(
    `relay: ${delta('taskflow_outbox_batch_size_count')} rounds; mean batch ` +
      `${mean('taskflow_outbox_batch_size_sum', 'taskflow_outbox_batch_size_count')} events, ` +
      `begin ${phase('begin')} ms, claim ${phase('claim')} ms, publish ${phase('publish')} ms, commit ${phase('commit')} ms; ` +
      `creates: ${delta('taskflow_task_create_batch_size_count')} statements, mean batch ` +
      `${mean('taskflow_task_create_batch_size_sum', 'taskflow_task_create_batch_size_count')}`,
  );
}
