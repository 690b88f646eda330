// `pnpm bench:fanout`: one shared project of 50 members (user 0 its owner, the others editors
// and viewers in turn), each member with BENCH_FANOUT_TABS sockets (1), and 10 users outside it
// with sockets too; task creates in the project through task-api's REST at fixed offered rates
// (BENCH_RATES, 1,000/s), through the real fleet (task-api and ws-notifier from their built
// output, each with its daprd, the outbox relay, the broker: BENCH_BROKER, redis or kafka).
// Measured for every (event, member socket): the latency from sending the POST, and from its
// answer, to the message on that socket, and whether it arrived, once; CPU per event across the
// fleet's processes. The users outside the project each create a private task a second
// meanwhile, so their sockets are shown to deliver: any message of the project on one of them,
// or of theirs on a member's, is a leak. Exits 1 after the table when a delivery is missing or
// doubled, a create failed or anything leaked. Prints a Markdown section for docs/benchmarks.md.
// BENCH_SECONDS (15) measured after BENCH_WARM_SECONDS (3) at each rate; BENCH_FANOUT_MEMBERS
// (50), BENCH_FANOUT_STRANGERS (10); BENCH_DATABASE_POOL_SIZE (task-api's, 20 as in
// bench:pipeline).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type WebSocket from 'ws';
import { signDevToken } from '@taskflow/service-kit';
import { FLEET_JWT_SECRET, startFleet, type Broker } from '@taskflow/testkit';
import {
  bucketQuantile,
  cpuWindow,
  fleetProcesses,
  int,
  lagBuckets,
  markdownTable,
  metricsOf,
  NO_RATE_LIMITS,
  offerAtRate,
  openTaskSocket,
  percentile,
  sampleOutboxLag,
} from './measure.ts';
import { jsonPost, rawHttpPool } from './raw-http.ts';

const broker = (process.env.BENCH_BROKER ?? 'redis') as Broker;
if (broker !== 'redis' && broker !== 'kafka') throw new Error(`BENCH_BROKER: redis or kafka`);
const rates = (process.env.BENCH_RATES ?? '1000').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
// Each rate is first held this long unmeasured, then measured for `seconds` more of the same.
const warmSeconds = Number(process.env.BENCH_WARM_SECONDS ?? 3);
const MEMBERS = Number(process.env.BENCH_FANOUT_MEMBERS ?? 50);
const STRANGERS = Number(process.env.BENCH_FANOUT_STRANGERS ?? 10);
const TABS = Number(process.env.BENCH_FANOUT_TABS ?? 1);
/** Private creates a second of each user outside the project. */
const STRANGER_RATE = 1;

const PROJECT_TITLE = 'fanout-p';
const TITLE_MARK = Buffer.from(`"title":"fanout-`);
const QUOTE = 0x22;
const P = 0x70;

// Project events are numbered in the order they are sent (their title carries the number), so
// a message is matched to its send time before the POST is answered. Room for every event.
const capacity =
  rates.reduce((sum, rate) => sum + Math.ceil(rate * (warmSeconds + seconds) * 1.1), 0) + 1000;
const sentAt = new Float64Array(capacity);
const failed = new Uint8Array(capacity);
const arrivals = new Uint16Array(capacity);
const firstAt = new Float64Array(capacity);
const lastAt = new Float64Array(capacity);
let nextEvent = 0;
// The events sent in the measured window: [windowFirst, windowLast).
let windowFirst = Infinity;
let windowLast = Infinity;
const answeredAt = new Float64Array(capacity);
// Each delivery of an event of the window: its arrival and its event.
const latencies: number[] = []; // from the POST
const delivered: number[] = []; // the event
const answers: number[] = []; // POST to its answer, for the events of the window
let answeredInWindow = 0; // creates answered 201 while the window lasts, whenever sent
let windowOpen = false;
const leaks: string[] = [];
let duplicates = 0;
let closedSockets = 0;
const failures: string[] = [];

const fleet = await startFleet({
  broker,
  replicas: { 'task-api': 1, 'ws-notifier': 1 },
  env: {
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: process.env.BENCH_DATABASE_POOL_SIZE ?? '20',
    ...NO_RATE_LIMITS,
  },
});

try {
  const run = Date.now().toString(36);
  const user = async (id: string) => ({ id, token: await signDevToken(id, FLEET_JWT_SECRET) });
  const members = await Promise.all(
    Array.from({ length: MEMBERS }, (_, i) => user(`fanout-${i}-${run}`)),
  );
  const strangers = await Promise.all(
    Array.from({ length: STRANGERS }, (_, i) => user(`stranger-${i}-${run}`)),
  );
  const call = async (
    who: { id: string; token: string },
    method: string,
    path: string,
    body: object,
  ) => {
    const response = await fetch(`${fleet.api}/api/${who.id}${path}`, {
      method,
      headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`${method} ${path} answered ${response.status}`);
    return (await response.json()) as { id: string };
  };
  const owner = members[0]!;
  const project = await call(owner, 'POST', '/projects', { name: 'fan-out' });
  const role = (i: number) => (i % 2 ? 'editor' : 'viewer');
  for (let i = 1; i < MEMBERS; i++) {
    await call(owner, 'PUT', `/projects/${project.id}/members/${members[i]!.id}`, {
      role: role(i),
    });
  }
  // Who creates: the owner and the editors in turn, each through their own path.
  const creators = members.filter((_, i) => i === 0 || role(i) === 'editor');

  // A member's socket: only the title is read (the bytes after `"title":"fanout-`), not the
  // whole message: 50 sockets take 50 messages per event, on the cores the fleet runs on.
  const memberSocket = (tab: number) => {
    const got = new Uint8Array(capacity);
    return (data: Buffer) => {
      const at = performance.now();
      const mark = data.indexOf(TITLE_MARK);
      if (mark < 0) return; // hello, pong, the project's own events
      let i = mark + TITLE_MARK.length;
      if (data[i] !== P) {
        leaks.push(`a member's socket (tab ${tab}) got ${String(data).slice(0, 300)}`);
        return;
      }
      let event = 0;
      for (i++; data[i] !== QUOTE; i++) event = event * 10 + data[i]! - 0x30;
      if (got[event]) {
        duplicates++;
        return;
      }
      got[event] = 1;
      if (arrivals[event]! === 0) firstAt[event] = at;
      arrivals[event]!++;
      lastAt[event] = at;
      if (event >= windowFirst && event < windowLast) {
        latencies.push(at - sentAt[event]!);
        delivered.push(event);
      }
    };
  };
  // A stranger's socket: every message read whole; anything but their own tasks is a leak.
  const strangerOwn = new Map<string, number>(); // title -> arrivals
  const strangerSocket = (stranger: { id: string }) => (data: Buffer) => {
    const message = JSON.parse(String(data)) as {
      type: string;
      event_id?: string;
      data?: { id?: string; title?: string; user_id?: string; project_id?: string | null };
    };
    if (!message.event_id) return; // hello, pong
    const own = message.data?.user_id === stranger.id && !message.data.project_id;
    if (own && message.data!.title?.startsWith(`fanout-s-${stranger.id}-`)) {
      strangerOwn.set(message.data!.title, (strangerOwn.get(message.data!.title) ?? 0) + 1);
    } else {
      leaks.push(`${stranger.id}'s socket got ${String(data).slice(0, 300)}`);
    }
  };
  const sockets: WebSocket[] = [];
  const open = async (who: { id: string; token: string }, onMessage: (data: Buffer) => void) => {
    const socket = await openTaskSocket(fleet, who, onMessage);
    socket.on('close', () => closedSockets++);
    sockets.push(socket);
  };
  for (let tab = 0; tab < TABS; tab++) {
    await Promise.all(members.map((member) => open(member, memberSocket(tab))));
    await Promise.all(strangers.map((stranger) => open(stranger, strangerSocket(stranger))));
  }
  const memberSockets = MEMBERS * TABS;

  const api = rawHttpPool(fleet.api, 64);
  const headers = new Map(
    [...members, ...strangers].map((who) => [who.id, { authorization: `Bearer ${who.token}` }]),
  );
  const projectCreate = async () => {
    const event = nextEvent++;
    const creator = creators[event % creators.length]!;
    const request = jsonPost(
      `/api/${creator.id}/tasks`,
      headers.get(creator.id)!,
      `{"title":"${PROJECT_TITLE}${event}","due_date":"2030-01-01T00:00:00Z","project_id":"${project.id}"}`,
    );
    const at = (sentAt[event] = performance.now());
    const { status } = await api.send(request).catch(() => ({ status: 0 }));
    if (status !== 201) failed[event] = 1;
    else {
      if (windowOpen) answeredInWindow++;
      answeredAt[event] = performance.now();
      if (event >= windowFirst && event < windowLast) answers.push(answeredAt[event]! - at);
    }
  };
  // The strangers' own creates: sent from `privateFrom` on, counted from the window on.
  const privateSent: Array<{ title: string; ok: boolean }> = [];
  let privateNext = 0;
  const privateCreate = async () => {
    const stranger = strangers[privateNext % STRANGERS]!;
    const title = `fanout-s-${stranger.id}-${privateNext++}`;
    const sent = { title, ok: false };
    privateSent.push(sent);
    const request = jsonPost(
      `/api/${stranger.id}/tasks`,
      headers.get(stranger.id)!,
      `{"title":"${title}","due_date":"2030-01-01T00:00:00Z"}`,
    );
    const { status } = await api.send(request).catch(() => ({ status: 0 }));
    sent.ok = status === 201;
  };

  // Every socket delivers before any load: an event of the project on every member's, a private
  // task on each stranger's. Sent again every half second until then: a consumer that has not
  // joined yet (Kafka's group) does not get what was published before it did.
  const strangersDelivering = () =>
    new Set([...strangerOwn.keys()].map((title) => title.replace(/-\d+$/, ''))).size;
  const delivering = () =>
    arrivals.subarray(0, nextEvent).includes(memberSockets) && strangersDelivering() === STRANGERS;
  for (let i = 0; i < 120 && !delivering(); i++) {
    void projectCreate();
    for (let j = 0; j < STRANGERS; j++) void privateCreate();
    await sleep(500);
  }
  if (!delivering()) {
    throw new Error(
      `bench:fanout: before the load, no event reached all ${memberSockets} member sockets, or ` +
        `${strangersDelivering()} of ${STRANGERS} strangers got their own, within 60 s`,
    );
  }

  const rows: string[][] = [];
  for (const rate of rates) rows.push(await measure(rate));
  for (const socket of sockets) socket.close();
  api.close();

  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const brokerName = { redis: 'Redis Streams', kafka: 'Kafka' }[broker];
  console.log(
    [
      `### Shared-project fan-out on ${broker} (\`BENCH_BROKER=${broker} pnpm bench:fanout\`, ${new Date().toISOString().slice(0, 10)}, ${commit})`,
      '',
      `${os.cpus().length} cores, Node ${process.version}; task-api, ws-notifier, their two daprd, ` +
        `Postgres, ${brokerName} and this load generator all on one machine. One project of ` +
        `${MEMBERS} members (the owner, ${creators.length - 1} editors, ` +
        `${MEMBERS - creators.length} viewers), ${TABS} socket(s) each; ${STRANGERS} users outside ` +
        `it with ${TABS} socket(s) each, creating ${STRANGER_RATE * STRANGERS} private tasks/s ` +
        `between them. Creates in the project by the owner and the editors in turn; each run ` +
        `measures ${seconds} s after ${warmSeconds} s at the same load. Latency to the socket is ` +
        `from sending the POST to the message on a member's socket, for every (event, member ` +
        `socket), and from the create's answer (its commit just before; below 0 where the socket ` +
        `had it first); spread is from the first member socket to the last of one event; the outbox ` +
        `lag is the age of the oldest unpublished event, sampled every 250 ms. CPU per event ` +
        `counts every process listed (the private creates included) per project event sent in ` +
        `the window; per delivery, without the load generator. Answered/s counts the creates ` +
        `answered during the measured seconds, whenever sent: below the rate sent, a queue grows.`,
      '',
      ...markdownTable(
        [
          'offered events/s',
          'sent/s',
          'answered/s',
          'deliveries expected / received',
          'missing',
          'doubled',
          'failed creates',
          'to a socket outside the audience',
          "strangers' own: expected / received",
          'create answered p50 / p99 ms',
          'outbox lag max ms',
          'event timestamp to ws-notifier (its lag metric) p50 / p99 ms',
          'POST to the socket p50 / p99 / max ms',
          'answer to the socket p50 / p99 / max ms',
          'spread p50 / p99 ms',
          'CPU: task-api / its daprd / ws-notifier / its daprd / Postgres / broker / load generator',
          'CPU µs per event, the same processes',
          'CPU µs per event: all / without load generator',
          'CPU µs per delivery, without load generator',
        ],
        rows,
      ),
    ].join('\n'),
  );
  if (closedSockets) failures.push(`${closedSockets} sockets closed during the runs`);
  failures.push(...leaks.slice(0, 5));

  async function measure(rate: number): Promise<string[]> {
    latencies.length = 0;
    delivered.length = 0;
    answers.length = 0;
    const leaksBefore = leaks.length;
    const duplicatesBefore = duplicates;
    const stopAt = performance.now() + (warmSeconds + seconds) * 1000;
    const privateTimer = setInterval(
      () => void privateCreate(),
      1000 / (STRANGER_RATE * STRANGERS),
    );
    const loading = offerAtRate(rate, stopAt, projectCreate);
    setTimeout(() => (windowOpen = false), stopAt - performance.now()).unref();
    await sleep(warmSeconds * 1000);
    const start = performance.now();
    windowFirst = nextEvent;
    windowLast = Infinity;
    answeredInWindow = 0;
    windowOpen = true;
    const privateFrom = privateSent.length;
    const notifier = fleet.replicas['ws-notifier'][0]!.url;
    const lagBefore = lagBuckets(await metricsOf(notifier));
    const outboxLag = await sampleOutboxLag(fleet);
    const cpuUse = cpuWindow(() => fleetProcesses(fleet));
    await loading;
    clearInterval(privateTimer);
    // CPU is over the sending and the answers still due, as in bench:pipeline.
    const { seconds: cpu } = cpuUse.stop();
    const outboxLagMax = Math.max(0, ...(await outboxLag.stop()).map((sample) => sample.lagMs));
    const elapsed = (performance.now() - start) / 1000;
    const window = (stopAt - start) / 1000;
    windowLast = nextEvent;
    const sent = windowLast - windowFirst;
    const events: number[] = [];
    let failedCreates = 0;
    for (let e = windowFirst; e < windowLast; e++) {
      if (failed[e]) failedCreates++;
      else events.push(e);
    }
    const expected = events.length * memberSockets;
    const received = () => events.reduce((sum, e) => sum + arrivals[e]!, 0);
    const ownSent = privateSent.slice(privateFrom).filter((sent) => sent.ok);
    const ownReceived = () => ownSent.filter((sent) => strangerOwn.has(sent.title)).length;
    // Stragglers: until every delivery is in, or none has come for 10 s (a queue still draining
    // is late, not lost; 2 minutes at most).
    const waitedFrom = performance.now();
    let progress = { at: waitedFrom, count: -1 };
    while (received() < expected || ownReceived() < ownSent.length) {
      const now = performance.now();
      const count = received() + ownReceived();
      if (count !== progress.count) progress = { at: now, count };
      if (now - progress.at > 10_000 || now - waitedFrom > 120_000) break;
      await sleep(100);
    }
    const got = received();
    const lagAfter = lagBuckets(await metricsOf(notifier));
    const notifierLag = (q: number) => int(bucketQuantile(lagBefore, lagAfter, q));
    windowFirst = Infinity; // what arrives later is no run's
    // From the create's answer (its commit just before) to the socket: the way out alone,
    // without the create's queue; below 0 where the socket had it before the answer was read.
    const afterAnswer = latencies
      .map((latency, i) => latency - (answeredAt[delivered[i]!]! - sentAt[delivered[i]!]!))
      .sort((a, b) => a - b);
    const sorted = latencies.sort((a, b) => a - b);
    answers.sort((a, b) => a - b);
    const spreads = events
      .filter((e) => arrivals[e] === memberSockets)
      .map((e) => lastAt[e]! - firstAt[e]!)
      .sort((a, b) => a - b);
    const total = cpu.reduce((a, b) => a + b, 0);
    const server = total - cpu.at(-1)!;
    const leaked = leaks.length - leaksBefore;
    const doubled = duplicates - duplicatesBefore;
    const label = `${rate}/s`;
    if (got < expected)
      failures.push(`${label}: ${expected - got} of ${expected} deliveries missing`);
    if (doubled) failures.push(`${label}: ${doubled} deliveries doubled`);
    if (failedCreates) failures.push(`${label}: ${failedCreates} creates failed`);
    if (leaked)
      failures.push(`${label}: ${leaked} messages reached a socket outside their audience`);
    if (ownReceived() < ownSent.length) {
      failures.push(
        `${label}: strangers got ${ownReceived()} of their ${ownSent.length} own events`,
      );
    }
    return [
      String(rate),
      int(sent / window),
      int(answeredInWindow / window),
      `${expected} / ${got}`,
      String(expected - got),
      String(doubled),
      String(failedCreates),
      String(leaked),
      `${ownSent.length} / ${ownReceived()}`,
      `${int(percentile(answers, 0.5))} / ${int(percentile(answers, 0.99))}`,
      int(outboxLagMax),
      `≤ ${notifierLag(0.5)} / ≤ ${notifierLag(0.99)}`,
      `${int(percentile(sorted, 0.5))} / ${int(percentile(sorted, 0.99))} / ${int(sorted.at(-1) ?? NaN)}`,
      `${int(percentile(afterAnswer, 0.5))} / ${int(percentile(afterAnswer, 0.99))} / ${int(afterAnswer.at(-1) ?? NaN)}`,
      `${percentile(spreads, 0.5).toFixed(1)} / ${percentile(spreads, 0.99).toFixed(1)}`,
      cpu.map((c) => `${int((100 * c) / elapsed)}%`).join(' / '),
      cpu.map((c) => int((c / sent) * 1e6)).join(' / '),
      `${int((total / sent) * 1e6)} / ${int((server / sent) * 1e6)}`,
      ((server / got) * 1e6).toFixed(1),
    ];
  }
} catch (error) {
  console.error(fleet.logs());
  throw error;
} finally {
  await fleet.stop();
}
if (failures.length) {
  console.error(`bench:fanout FAILED:\n${failures.join('\n')}`);
  process.exit(1);
}
