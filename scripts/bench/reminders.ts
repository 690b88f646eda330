// `pnpm bench:reminders [redis|kafka]`: 10,000 reminders due in the same instant, through the
// real fleet (task-api, ws-notifier and two reminder-workers from their built output, each with
// its daprd; the outbox relays; the broker). Measures lateness: from the reminders' time to the
// WebSocket delivery of each `reminder` message, and, from the database, to the transaction
// that fired it. Prints a Markdown section for docs/benchmarks.md.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { WsMessage } from '@taskflow/contracts';
import { signDevToken } from '@taskflow/service-kit';
import { FLEET_JWT_SECRET, startFleet, type Broker } from '@taskflow/testkit';
import { NO_RATE_LIMITS } from './measure.ts';

const broker = (process.argv[2] ?? 'redis') as Broker;
const USERS = 100;
const PER_USER = Number(process.env.BENCH_REMINDERS_PER_USER ?? 100);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const TOTAL = USERS * PER_USER;

for (const service of ['task-api', 'ws-notifier', 'reminder-worker']) {
  const main = fileURLToPath(new URL(`../../services/${service}/dist/main.js`, import.meta.url));
  if (!existsSync(main)) {
    console.error(`bench:reminders: build first (pnpm build): no ${main}`);
    process.exit(2);
  }
}

const loadAtStart = os.loadavg()[0]!;
const fleet = await startFleet({
  broker,
  replicas: { 'task-api': 1, 'ws-notifier': 1, 'reminder-worker': WORKERS },
  env: { LOG_LEVEL: 'warn', ...NO_RATE_LIMITS },
});
const sql = postgres(fleet.database.url, { max: 2, onnotice: () => {} });

interface Socket {
  ws: WebSocket;
  /** First arrival (ms since epoch) of each reminder message, by event id. */
  reminders: Map<string, number>;
  /** Copies of an event id already seen: at-least-once delivery, dropped as a client would. */
  duplicates(): number;
}

/** A user's socket; records when each reminder (by event id, first copy) arrived. */
async function openSocket(userId: string, token: string): Promise<Socket> {
  const notifier = fleet.replicas['ws-notifier'][0]!;
  const ws = new WebSocket(`${notifier.url.replace('http', 'ws')}/ws/user/${userId}/tasks`, [
    'bearer',
    token,
  ]);
  const reminders = new Map<string, number>();
  let duplicates = 0;
  ws.addEventListener('message', (event) => {
    const received = Date.now();
    // Control frames (hello, pong) and task events are not what is measured here.
    const parsed = WsMessage.safeParse(JSON.parse(String(event.data)));
    if (!parsed.success || parsed.data.type !== 'reminder') return;
    if (reminders.has(parsed.data.event_id)) duplicates++;
    else reminders.set(parsed.data.event_id, received);
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error('socket failed')), { once: true });
  });
  return { ws, reminders, duplicates: () => duplicates };
}

async function call(token: string, path: string, body: unknown) {
  const response = await fetch(`${fleet.api}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { id: string };
}

/** Until one reminder makes the whole trip: consumer groups joined, partitions assigned. */
async function warmUp(): Promise<void> {
  const token = await signDevToken('bench-probe', FLEET_JWT_SECRET);
  const socket = await openSocket('bench-probe', token);
  const task = await call(token, '/api/bench-probe/tasks', { title: 'probe' });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const before = socket.reminders.size;
    await call(token, `/api/bench-probe/tasks/${task.id}/reminders`, {
      remind_at: new Date(Date.now() + 1000).toISOString(),
    });
    const until = Date.now() + 5000;
    while (Date.now() < until && socket.reminders.size === before) await sleep(50);
    if (socket.reminders.size > before) break;
  }
  socket.ws.close();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

try {
  await warmUp();
  const users = Array.from({ length: USERS }, (_, i) => `bench-${i}`);
  const tokens = await Promise.all(users.map((id) => signDevToken(id, FLEET_JWT_SECRET)));
  const sockets = await Promise.all(users.map((id, i) => openSocket(id, tokens[i]!)));

  // Written straight to the tables (creating 10,000 through the API is not what is measured):
  // one task per reminder, all reminders at the same instant, a whole second 10 s ahead.
  const due = new Date(Math.ceil((Date.now() + 10_000) / 1000) * 1000);
  await sql`insert into users (id) select unnest(${users}::text[]) on conflict do nothing`;
  await sql`
    insert into tasks (user_id, title, due_date)
    select u, 'bench ' || t, ${due.toISOString()}::timestamptz + interval '1 hour'
    from unnest(${users}::text[]) u, generate_series(1, ${PER_USER}) t`;
  await sql`
    insert into reminders (task_id, user_id, remind_at)
    select id, user_id, ${due.toISOString()}::timestamptz from tasks where user_id like 'bench-%'
      and user_id <> 'bench-probe'`;
  if (Date.now() > due.getTime() - 1000) throw new Error('seeding took too long');

  const delivered = () => sockets.reduce((n, s) => n + s.reminders.size, 0);
  const deadline = due.getTime() + 180_000;
  while (delivered() < TOTAL && Date.now() < deadline) await sleep(100);
  await sleep(3000); // duplicates, if any, arrive meanwhile

  const lateness = sockets
    .flatMap((s) => [...s.reminders.values()].map((at) => at - due.getTime()))
    .sort((a, b) => a - b);
  const [{ events, fired, p50, p99, max }] = await sql<
    [{ events: number; fired: number; p50: number; p99: number; max: number }]
  >`
    with f as (
      select extract(epoch from settled_at - remind_at) * 1000 as ms from reminders
      where status = 'fired' and user_id <> 'bench-probe')
    select
      (select count(*)::int from events where event_type = 'reminder.triggered'
        and user_id <> 'bench-probe') as events,
      (select count(*)::int from f) as fired,
      (select percentile_cont(0.5) within group (order by ms) from f)::float8 as p50,
      (select percentile_cont(0.99) within group (order by ms) from f)::float8 as p99,
      (select max(ms) from f)::float8 as max`;
  // When the relays had handed each event to the broker (published_at is the marking
  // transaction's start, so a little early, by at most one bulk publish).
  const [published] = await sql<[{ p50: number; p99: number; max: number }]>`
    with p as (
      select extract(epoch from published_at - ${due.toISOString()}::timestamptz) * 1000 as ms
      from events where event_type = 'reminder.triggered' and user_id <> 'bench-probe')
    select percentile_cont(0.5) within group (order by ms)::float8 as p50,
      percentile_cont(0.99) within group (order by ms)::float8 as p99, max(ms)::float8 as max
    from p`;
  const duplicates = sockets.reduce((n, s) => n + s.duplicates(), 0);

  const ms = (value: number) => `${Math.round(value)}`;
  const lines = [
    `### ${TOTAL.toLocaleString('en')} reminders due at once (\`pnpm bench:reminders ${broker}\`, ${new Date().toISOString().slice(0, 10)})`,
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ${broker}; ` +
      `${WORKERS} reminder-workers (batch 500, lookahead 900 ms), task-api, ws-notifier, ` +
      `${USERS} users with one socket each, Postgres, broker and load generator on one machine ` +
      `(load average ${loadAtStart.toFixed(1)} at start).`,
    '',
    '| from the reminders’ time to | p50 ms | p90 ms | p99 ms | max ms |',
    '|---|---|---|---|---|',
    `| the transaction that fired it (database) | ${ms(p50)} | | ${ms(p99)} | ${ms(max)} |`,
    `| its publication by an outbox relay (database) | ${ms(published!.p50)} | | ${ms(published!.p99)} | ${ms(published!.max)} |`,
    `| WebSocket delivery | ${ms(quantile(lateness, 0.5))} | ${ms(quantile(lateness, 0.9))} | ${ms(quantile(lateness, 0.99))} | ${ms(lateness.at(-1) ?? Number.NaN)} |`,
    '',
    `Fired ${fired}, \`reminder.triggered\` events ${events}, delivered ${lateness.length} distinct ` +
      `(${duplicates} duplicate copies dropped by event id). Exactly once: ` +
      `${fired === TOTAL && events === TOTAL && lateness.length === TOTAL ? 'yes' : 'NO'}.`,
  ];
  console.log(lines.join('\n'));
  if (fired !== TOTAL || events !== TOTAL || lateness.length !== TOTAL) process.exitCode = 1;
  for (const socket of sockets) socket.ws.close();
} catch (error) {
  console.error(error);
  console.error(fleet.logs().split('\n').slice(-80).join('\n'));
  process.exitCode = 1;
} finally {
  await sql.end();
  await fleet.stop();
}
