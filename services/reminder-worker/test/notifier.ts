// Fixtures of the notifier's tests: a real webhook receiver on loopback, channels as task-api
// makes them, reminder.triggered events as daprd delivers them, and the sender's dependencies.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  insertChannel,
  markChannelVerified,
  type ChannelRow,
  type Database,
  type FiredReminder,
} from '@taskflow/db';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, generateSecret, verify } from '@taskflow/outbound';
import { allowForTests } from '@taskflow/outbound/testing';
import { createMetricsRegistry, type App } from '@taskflow/service-kit';
import { testMailbox } from '@taskflow/testkit';
import { notifierMetrics } from '../src/metrics.ts';
import type { EmailTransport } from '../src/notify/email-transport.ts';
import type { SenderDeps } from '../src/notify/sender.ts';
import type { NotifierSettings } from '../src/notify/settings.ts';
import { triggeredEvent } from '../src/jobs/triggered.ts';
import { APP_TOKEN, testNotifierSettings } from './worker.ts';

/** One request as the receiver saw it. */
export interface Received {
  deliveryId: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** outbound's verify() against the channel's secret (by the request's path). */
  signature: ReturnType<typeof verify>;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface Receiver {
  host: string;
  port: number;
  /** http://host:port */
  origin: string;
  /** Every request, repeats included. */
  requests: Received[];
  /** The first request of each X-Taskflow-Delivery-Id: what a receiver that drops repeats keeps. */
  unique: Map<string, Received>;
  /** The secret the requests to `path` are verified with. */
  expectSecret(path: string, secret: string): void;
  /** How to answer the requests to `path` (default 204). */
  answer(path: string, answer: (request: Received) => Answer | Promise<Answer>): void;
  requestsTo(path: string): Received[];
  close(): Promise<void>;
}

/**
 * A webhook receiver as the docs tell users to write one: it reads the raw body, verifies the
 * signature with the channel's secret (outbound's verify, the 5-minute tolerance) and keeps
 * each delivery id once, while counting every raw request.
 */
export async function startReceiver(host = '127.0.0.1'): Promise<Receiver> {
  const secrets = new Map<string, string>();
  const answers = new Map<string, (request: Received) => Answer | Promise<Answer>>();
  const requests: Array<Received & { path: string }> = [];
  const unique = new Map<string, Received>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const path = new URL(request.url ?? '/', 'http://x').pathname;
        const body = Buffer.concat(chunks).toString('utf8');
        const header = request.headers[SIGNATURE_HEADER.toLowerCase()];
        const received: Received & { path: string } = {
          path,
          deliveryId: String(request.headers[DELIVERY_ID_HEADER.toLowerCase()] ?? ''),
          headers: request.headers,
          body,
          signature: verify({
            secret: secrets.get(path) ?? 'no secret registered for this path',
            header: typeof header === 'string' ? header : undefined,
            body,
          }),
        };
        requests.push(received);
        if (received.signature.ok && !unique.has(received.deliveryId)) {
          unique.set(received.deliveryId, received);
        }
        const answer = await (answers.get(path)?.(received) ?? { status: 204 });
        response.writeHead(answer.status, answer.headers ?? {});
        response.end(answer.body ?? '');
      })().catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    host,
    port,
    origin,
    requests,
    unique,
    expectSecret: (path, secret) => void secrets.set(path, secret),
    answer: (path, answer) => void answers.set(path, answer),
    requestsTo: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A channel as task-api adds it, verified unless said otherwise. */
export async function seedChannel(
  database: Database,
  fields: {
    userId: string;
    kind: 'email' | 'webhook';
    address?: string;
    timeZone?: string;
    useByDefault?: boolean;
    verified?: boolean;
  },
): Promise<ChannelRow & { secret: string | null; unsubscribeToken: string | null }> {
  const email = fields.kind === 'email';
  const row = await insertChannel(database.db, {
    id: randomUUID(),
    userId: fields.userId,
    kind: fields.kind,
    address: fields.address ?? (email ? testMailbox('notifier') : 'https://hooks.invalid/x'),
    timeZone: fields.timeZone ?? 'UTC',
    useByDefault: fields.useByDefault ?? true,
    secret: email ? null : generateSecret(),
    unsubscribeToken: email ? randomBytes(32).toString('base64url') : null,
    verifyTokenHash: null,
    verifyExpiresAt: null,
  });
  if (!row) throw new Error('channel not inserted');
  if (fields.verified ?? true) await markChannelVerified(database.db, row.id);
  return row;
}

/** A reminder.triggered event as the worker's tick makes it (jobs/triggered.ts). */
export function triggered(fields: Partial<FiredReminder> & { userId: string }) {
  const firedAt = fields.firedAt ?? new Date();
  return triggeredEvent({
    id: randomUUID(),
    taskId: randomUUID(),
    title: 'Call mum',
    remindAt: firedAt,
    dueDate: null,
    late: false,
    projectId: null,
    firedAt,
    ...fields,
  });
}

/** Delivers events to /events/reminders as daprd does (single CloudEvents), with its token. */
export async function deliverEvent(app: App, event: unknown) {
  const response = await app.inject({
    method: 'POST',
    url: '/events/reminders',
    headers: { 'content-type': 'application/cloudevents+json', 'dapr-api-token': APP_TOKEN },
    payload: JSON.stringify({
      id: randomUUID(),
      source: 'reminder-worker',
      type: 'com.dapr.event.sent',
      specversion: '1.0',
      datacontenttype: 'application/json',
      topic: 'reminders.events',
      pubsubname: 'taskflow-pubsub',
      data: event,
    }),
  });
  return { code: response.statusCode, status: (response.json() as { status: string }).status };
}

/**
 * The notifier's settings for a test whose receivers listen on these loopback addresses
 * (allowed by the testing policy, and only they), with names resolved by `names`.
 */
export function notifierFor(
  allowed: readonly string[],
  overrides: Parameters<typeof testNotifierSettings>[0] & { names?: Record<string, string> } = {},
): NotifierSettings {
  const { names = {}, ...rest } = overrides;
  const settings = testNotifierSettings(rest);
  settings.webhook.policy = allowForTests(allowed);
  settings.webhook.lookup = async (hostname) => {
    const address = names[hostname];
    if (!address) throw Object.assign(new Error(`no such name ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return settings;
}

/** What runDeliveryTick needs, over `database`. */
export function senderDeps(
  database: Database,
  notifier: NotifierSettings,
  emailTransport: EmailTransport,
): SenderDeps {
  return {
    database,
    settings: notifier.sender,
    webhook: notifier.webhook,
    email: notifier.email,
    emailTransport,
    metrics: notifierMetrics(createMetricsRegistry(`notifier-test-${randomUUID()}`), database),
  };
}
