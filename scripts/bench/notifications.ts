// `pnpm bench:notifications`: BENCH_REMINDERS (10,000) reminders due at the same instant, across
// BENCH_USERS (1,000) users, each with one verified email channel and one verified webhook
// channel, on the real path: the reminder-worker (scripts/bench/notifications-worker.ts, its own
// process, the one process's in-process bus and outbox relay) fires them in its tick,
// reminder.triggered goes through the outbox and the bus to the notifier's subscription, which
// makes the deliveries, and its sender sends them to mailpit over SMTP and to a webhook receiver
// in this process that verifies every signature. Measures lateness (arrival - remind_at) per
// channel, throughput, outcomes, duplicates and CPU. Prints a Markdown section for
// docs/benchmarks.md; deletes its mail from mailpit and drops its database.
//
// The worker reads its settings from the environment as in production: DELIVERY_CONCURRENCY,
// DELIVERY_BATCH_SIZE, DATABASE_POOL_SIZE... pass through.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, generateSecret, verify } from '@taskflow/outbound';
import {
  createTestDatabase,
  deleteMatching,
  listMessages,
  mailpitSmtp,
  type MailpitSummary,
} from '@taskflow/testkit';
import {
  cpuWindow,
  int,
  markdownTable,
  percentile,
  pidsMatching,
  postgresProcesses,
} from './measure.ts';

const TOTAL = Number(process.env.BENCH_REMINDERS ?? 10_000);
const USERS = Math.min(TOTAL, Number(process.env.BENCH_USERS ?? 1_000));
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000;
const run = randomBytes(4).toString('hex');
/** Every address of this run contains it: mailpit's `to:` search matches a part. */
const tag = `nb-${run}-`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The receiver: verifies each request with its channel's secret (by path), keeps the first
// arrival of each delivery id, counts the repeats and the requests that do not verify.
const secrets = new Map<string, string>();
const hooks = new Map<string, number>();
const hook = { duplicates: 0, unverified: 0 };
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const at = Date.now();
    const body = Buffer.concat(chunks).toString('utf8');
    const header = request.headers[SIGNATURE_HEADER.toLowerCase()];
    const secret = secrets.get(request.url ?? '');
    const checked = secret
      ? verify({ secret, header: typeof header === 'string' ? header : undefined, body })
      : { ok: false };
    if (!checked.ok) {
      hook.unverified++;
      response.writeHead(401).end();
      return;
    }
    const id = String(request.headers[DELIVERY_ID_HEADER.toLowerCase()]);
    if (hooks.has(id)) hook.duplicates++;
    else hooks.set(id, at);
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hookOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const testDatabase = await createTestDatabase();
const sql = postgres(testDatabase.url, { max: 4, onnotice: () => {} });
const smtp = mailpitSmtp();
const workerEnv: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: testDatabase.url,
  USE_DAPR: 'false',
  ENVIRONMENT: 'local', // http:// to the receiver
  SMTP_URL: `smtp://${smtp.host}:${smtp.port}`,
  EMAIL_MESSAGE_ID_DOMAIN: `${run}.bench`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};
const settingsLine = [
  `DELIVERY_CONCURRENCY ${workerEnv.DELIVERY_CONCURRENCY ?? 20}`,
  `DELIVERY_BATCH_SIZE ${workerEnv.DELIVERY_BATCH_SIZE ?? 100}`,
  `DATABASE_POOL_SIZE ${workerEnv.DATABASE_POOL_SIZE ?? 5}`,
].join(', ');
const worker = fork(fileURLToPath(new URL('./notifications-worker.ts', import.meta.url)), [], {
  env: workerEnv,
  execArgv: ['--conditions=@taskflow/source'],
  stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
});
let workerLog = '';
worker.stdout!.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
worker.stderr!.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
const workerExit = new Promise((resolve) => worker.once('exit', resolve));

/** Mail of this run in mailpit, all of it (newest first). */
async function mailOfRun(): Promise<MailpitSummary[]> {
  const all: MailpitSummary[] = [];
  for (let start = 0; ; start += 1000) {
    const page = await listMessages({ query: `to:"${tag}"`, limit: 1000, start });
    all.push(...page.messages);
    if (page.messages.length < 1000) return all;
  }
}
const mailCount = async () => (await listMessages({ query: `to:"${tag}"`, limit: 1 })).matching;

const loadAtStart = os.loadavg()[0]!;
try {
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) before ready`)));
  });

  // Users and their two verified channels each, written straight to the tables (adding and
  // verifying 2,000 channels through the API is not what is measured).
  const users = Array.from({ length: USERS }, (_, i) => `${tag}${i}`);
  const hookSecrets = users.map(() => generateSecret());
  users.forEach((_, i) => secrets.set(`/hook/${i}`, hookSecrets[i]!));
  await sql`insert into users (id) select unnest(${users}::text[])`;
  await sql`
    insert into channels (id, user_id, kind, address, status, unsubscribe_token, verified_at)
    select gen_random_uuid(), u, 'email', u || '@mailpit.test', 'verified',
      md5(random()::text) || md5(random()::text), now()
    from unnest(${users}::text[]) u`;
  await sql`
    insert into channels (id, user_id, kind, address, status, secret, verified_at)
    select gen_random_uuid(), u, 'webhook', ${hookOrigin} || '/hook/' || (n - 1), 'verified', s,
      now()
    from unnest(${users}::text[], ${hookSecrets}::text[]) with ordinality as c(u, s, n)`;

  // One task per reminder, all reminders at the same instant, a whole second 10 s ahead.
  const due = new Date(Math.ceil((Date.now() + 10_000) / 1000) * 1000);
  await sql`
    insert into tasks (user_id, title, due_date)
    select (${users}::text[])[1 + (t % ${USERS})], 'bench ' || t,
      ${due.toISOString()}::timestamptz + interval '1 hour'
    from generate_series(0, ${TOTAL - 1}) t`;
  await sql`
    insert into reminders (task_id, user_id, remind_at)
    select id, user_id, ${due.toISOString()}::timestamptz from tasks`;
  if (Date.now() > due.getTime() - 1000) throw new Error('seeding took too long');

  await sleep(due.getTime() - 500 - Date.now());
  const cpu = cpuWindow(() => [
    { name: 'reminder-worker', pids: [worker.pid!] },
    { name: 'postgres', pids: postgresProcesses(testDatabase.url) },
    { name: 'mailpit', pids: pidsMatching(/(^|\/)mailpit /) },
  ]);

  // Until every email is in mailpit and every webhook received, counting mailpit's matches
  // once a second (each search costs mailpit CPU that it would otherwise spend on SMTP).
  let mailSeen = 0;
  let mailCompleteAt = NaN;
  let nextMailPoll = 0;
  const deadline = due.getTime() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (mailSeen < TOTAL && Date.now() >= nextMailPoll) {
      nextMailPoll = Date.now() + 1000;
      mailSeen = await mailCount();
      if (mailSeen >= TOTAL) mailCompleteAt = Date.now();
    }
    if (mailSeen >= TOTAL && hooks.size >= TOTAL) break;
    await sleep(250);
  }
  const usage = cpu.stop();
  await sleep(3000); // repeats, if any, arrive meanwhile

  const mail = await mailOfRun();
  const mailIds = new Set(mail.map((message) => message.MessageID));
  const mailLateness = mail
    .map((message) => Date.parse(message.Created) - due.getTime())
    .sort((a, b) => a - b);
  const hookLateness = [...hooks.values()].map((at) => at - due.getTime()).sort((a, b) => a - b);

  const outcomes = await sql<Array<{ kind: string; status: string; n: number; retried: number }>>`
    select c.kind, d.status, count(*)::int as n, count(*) filter (where d.attempts > 1)::int as retried
    from deliveries d join channels c on c.id = d.channel_id
    where d.purpose = 'reminder' group by 1, 2 order by 1, 2`;
  const [stages] = await sql<
    [{ fired: number; firedMax: number; published: number; queuedP50: number; queuedMax: number }]
  >`
    select
      (select count(*)::int from reminders where status = 'fired') as fired,
      (select extract(epoch from max(settled_at) - ${due.toISOString()}::timestamptz) * 1000
        from reminders)::float8 as "firedMax",
      (select extract(epoch from max(published_at) - ${due.toISOString()}::timestamptz) * 1000
        from events where event_type = 'reminder.triggered')::float8 as published,
      (select percentile_cont(0.5) within group (order by
        extract(epoch from created_at - ${due.toISOString()}::timestamptz) * 1000)
        from deliveries)::float8 as "queuedP50",
      (select extract(epoch from max(created_at) - ${due.toISOString()}::timestamptz) * 1000
        from deliveries)::float8 as "queuedMax"`;
  const count = (kind: string, status: string) =>
    outcomes.find((row) => row.kind === kind && row.status === status)?.n ?? 0;
  const retried = (kind: string) =>
    outcomes.filter((row) => row.kind === kind).reduce((sum, row) => sum + row.retried, 0);

  const rate = (sorted: number[]) =>
    sorted.length > 1 ? (sorted.length / (sorted.at(-1)! - sorted[0]!)) * 1000 : NaN;
  const row = (name: string, sorted: number[], kind: string, duplicates: number) => [
    name,
    `${sorted.length}`,
    int(percentile(sorted, 0.5)),
    int(percentile(sorted, 0.99)),
    int(sorted.at(-1) ?? NaN),
    int(rate(sorted)),
    `${count(kind, 'sent')} / ${count(kind, 'failed')} / ${retried(kind)}`,
    `${duplicates}`,
  ];
  const seconds = usage.seconds;
  const windowS = (Date.now() - 3000 - (due.getTime() - 500)) / 1000;
  const lines = [
    `### ${TOTAL.toLocaleString('en')} reminders due at once, by email and webhook (\`pnpm bench:notifications\`, ${new Date().toISOString().slice(0, 10)})`,
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}; ` +
      `one reminder-worker process on the in-process bus (${settingsLine}), ` +
      `${USERS.toLocaleString('en')} users with one email and one webhook channel each, ` +
      `Postgres, mailpit and the receiver (in the load generator) on one machine ` +
      `(load average ${loadAtStart.toFixed(1)} at start).`,
    '',
    ...markdownTable(
      [
        'channel',
        'received',
        'p50 ms',
        'p99 ms',
        'max ms',
        'per s',
        'sent / failed / retried',
        'duplicates',
      ],
      [
        row('email (mailpit `Created`)', mailLateness, 'email', mail.length - mailIds.size),
        row('webhook (receiver clock)', hookLateness, 'webhook', hook.duplicates),
      ],
    ),
    '',
    `Lateness is arrival - remind_at; "per s" is received / (last - first arrival). ` +
      `Last reminder fired at +${int(stages!.firedMax)} ms (${stages!.fired} fired), last ` +
      `reminder.triggered published at +${int(stages!.published)} ms, deliveries made at ` +
      `p50 +${int(stages!.queuedP50)} ms, last +${int(stages!.queuedMax)} ms. Mailpit's count ` +
      `reached ${TOTAL} on the poll at +${int(mailCompleteAt - due.getTime())} ms. Webhook ` +
      `requests that failed verification: ${hook.unverified}.`,
    '',
    `CPU over ${windowS.toFixed(0)} s (from 0.5 s before the due instant to the last ` +
      `arrival): ${usage.groups.map((group, i) => `${group.name} ${seconds[i]!.toFixed(1)} s`).join(', ')}, ` +
      `receiver and load generator ${seconds.at(-1)!.toFixed(1)} s.`,
  ];
  console.log(lines.join('\n'));
  const complete =
    mailIds.size === TOTAL &&
    hooks.size === TOTAL &&
    hook.unverified === 0 &&
    stages!.fired === TOTAL;
  if (!complete) {
    console.error(`incomplete: ${mailIds.size} emails, ${hooks.size} webhooks of ${TOTAL}`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  if (process.exitCode) console.error(workerLog.split('\n').slice(-60).join('\n'));
  worker.kill('SIGTERM');
  await Promise.race([workerExit, sleep(10_000)]);
  if (worker.exitCode === null) worker.kill('SIGKILL');
  await deleteMatching(`to:"${tag}"`).catch((error: unknown) => console.error(error));
  await sql.end();
  await testDatabase.drop();
  receiver.closeAllConnections();
  receiver.close();
}
