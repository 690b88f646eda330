import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookPayload } from '@taskflow/contracts';
import { createDaprClient, daprMessaging } from '@taskflow/dapr';
import {
  channelByUnsubscribeToken,
  channelDeliveries,
  findChannel,
  insertDeliveries,
  setTaskChannelIds,
  userDeliveries,
} from '@taskflow/db';
import { createLogger, createMetricsRegistry, type App } from '@taskflow/service-kit';
import {
  getMessage,
  getMessageHeaders,
  mailpitSmtp,
  messagesTo,
  waitForMessages,
} from '@taskflow/testkit';
import { buildReminderWorker } from '../src/app.ts';
import {
  smtpTransport,
  unconfiguredEmailTransport,
  type EmailTransport,
} from '../src/notify/email-transport.ts';
import { runDeliveryTick } from '../src/notify/sender.ts';
import type { NotifierSettings } from '../src/notify/settings.ts';
import { TIMESTAMP_HEADER, USER_AGENT } from '../src/notify/webhook.ts';
import {
  deliverEvent,
  notifierFor,
  seedChannel,
  senderDeps,
  startReceiver,
  triggered,
  type Receiver,
} from './notifier.ts';
import { APP_TOKEN, outboxOf, POLICY, seedTask, startWorker, workerAppOver } from './worker.ts';

const worker = await startWorker();
const { database } = worker;
const smtp = mailpitSmtp();
const email: EmailTransport = smtpTransport(`smtp://${smtp.host}:${smtp.port}`, {
  timeoutMs: 5_000,
});
let receiver: Receiver;
let notifier: NotifierSettings;
let app: App;

beforeAll(async () => {
  receiver = await startReceiver('127.0.0.1');
  notifier = notifierFor(['127.0.0.1'], { sender: { retryBaseMs: 20, maxAttempts: 3 } });
  app = await workerAppOver(database, () => {}, { notifier, emailTransport: email });
});
afterAll(async () => {
  await app.close();
  await receiver.close();
});

const quiet = { info: () => {}, warn: () => {} };
const user = () => `user-${randomUUID()}`;
const hookPath = () => `/hook-${randomUUID()}`;

/** A verified webhook channel on the test receiver, at a path of its own. */
async function webhookChannel(userId: string, fields: { verified?: boolean } = {}) {
  const path = hookPath();
  const channel = await seedChannel(database, {
    userId,
    kind: 'webhook',
    address: `${receiver.origin}${path}`,
    ...fields,
  });
  receiver.expectSecret(path, channel.secret!);
  return { channel, path };
}

/** The cron binding's POST, as daprd sends it. */
const tickRoute = () =>
  app.inject({
    method: 'POST',
    url: '/delivery-tick',
    headers: { 'content-type': 'application/json', 'dapr-api-token': APP_TOKEN },
    payload: '',
  });

const tick = (settings: NotifierSettings = notifier, transport: EmailTransport = email) =>
  runDeliveryTick(senderDeps(database, settings, transport), quiet);

/** Ticks until every delivery of these channels is settled (sent or failed), or fails. */
async function tickUntilSettled(channelIds: string[], settings = notifier, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await tick(settings);
    const rows = (
      await Promise.all(channelIds.map((id) => channelDeliveries(database.db, id)))
    ).flat();
    if (rows.length > 0 && rows.every((row) => row.status === 'sent' || row.status === 'failed')) {
      return rows;
    }
    if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a triggered reminder to a verified email and a verified webhook', () => {
  it('sends one email and one signed webhook, and the rows are sent', async () => {
    const userId = user();
    const mail = await seedChannel(database, { userId, kind: 'email', timeZone: 'Asia/Kolkata' });
    const { channel: hook, path } = await webhookChannel(userId);
    const event = triggered({
      userId,
      title: 'Pay the <rent> & "bills"',
      dueDate: new Date('2030-01-15T10:00:00Z'),
      remindAt: new Date('2030-01-15T09:45:00Z'),
      firedAt: new Date('2030-01-15T09:45:00.020Z'),
    });
    expect(await deliverEvent(app, event)).toEqual({ code: 200, status: 'SUCCESS' });
    const queued = [
      ...(await channelDeliveries(database.db, mail.id)),
      ...(await channelDeliveries(database.db, hook.id)),
    ];
    expect(queued.map((row) => row.status)).toEqual(['pending', 'pending']);

    expect((await tickRoute()).statusCode).toBe(200);

    const [mailRow] = await channelDeliveries(database.db, mail.id);
    const [hookRow] = await channelDeliveries(database.db, hook.id);
    expect(mailRow).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    expect(hookRow).toMatchObject({ status: 'sent', attempts: 1, lastError: null });

    // The email, as mailpit received it over SMTP.
    const [summary] = await waitForMessages(`to:"${mail.address}"`);
    expect(await messagesTo(mail.address)).toHaveLength(1);
    const message = await getMessage(summary!.ID);
    expect(message.MessageID).toBe(`${mailRow!.id}@taskflow.test`);
    expect(message.Subject).toBe('Reminder: Pay the <rent> & "bills"');
    const unsubscribe = `https://taskflow.test/api/links/unsubscribe?token=${mail.unsubscribeToken}`;
    expect(message.ListUnsubscribe.Links).toEqual([unsubscribe]);
    expect(message.ListUnsubscribe.HeaderPost).toBe('List-Unsubscribe=One-Click');
    expect(message.ListUnsubscribe.Errors).toBe('');
    // Due 10:00 UTC is 15:30 in Kolkata; the reminder was set for 15:15 there.
    for (const part of [message.Text, message.HTML]) {
      expect(part).toContain('Tuesday, 15 January 2030 at 15:30 GMT+5:30');
      expect(part).toContain('Tuesday, 15 January 2030 at 15:15 GMT+5:30');
      expect(part).toContain(unsubscribe);
      expect(part).toContain('https://taskflow.test/');
    }
    expect(message.Text).toContain('Pay the <rent> & "bills"');
    expect(message.HTML).toContain('Pay the &lt;rent&gt; &amp; &quot;bills&quot;');
    expect(message.HTML).not.toContain('<rent>');
    const headers = await getMessageHeaders(summary!.ID);
    expect(headers['Auto-Submitted']).toEqual(['auto-generated']);
    expect(headers['Content-Type']?.[0]).toMatch(/^multipart\/alternative/);
    expect(headers.From).toEqual(['taskflow <reminders@taskflow.test>']);

    // The webhook, as the receiver got it: signed, with the delivery's id.
    const [request] = receiver.requestsTo(path);
    expect(receiver.requestsTo(path)).toHaveLength(1);
    expect(request!.signature).toMatchObject({ ok: true });
    expect(request!.deliveryId).toBe(hookRow!.id);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe(USER_AGENT);
    const timestamp = request!.headers[TIMESTAMP_HEADER.toLowerCase()];
    expect(request!.signature.ok && String(request!.signature.timestamp)).toBe(timestamp);
    const body = WebhookPayload.parse(JSON.parse(request!.body));
    expect(body).toEqual({
      id: hookRow!.id,
      type: 'reminder',
      created_at: hookRow!.createdAt.toISOString(),
      data: {
        reminder_id: event.data.reminder_id,
        task_id: event.data.task_id,
        title: 'Pay the <rent> & "bills"',
        due_date: '2030-01-15T10:00:00.000Z',
        remind_at: '2030-01-15T09:45:00.000Z',
        late: false,
        project_id: null,
      },
    });
  });

  it("follows the task's channel choice of the user, and skips unverified channels", async () => {
    const userId = user();
    const chosen = await webhookChannel(userId);
    const other = await webhookChannel(userId);
    const unverified = await webhookChannel(userId, { verified: false });
    const task = await seedTask(database, { userId });
    const event = triggered({ userId, taskId: task.id });
    await setTaskChannelIds(database.db, userId, task.id, [
      chosen.channel.id,
      unverified.channel.id,
    ]);
    await deliverEvent(app, event);
    await tickUntilSettled([chosen.channel.id]);
    expect(receiver.requestsTo(chosen.path)).toHaveLength(1);
    expect(receiver.requestsTo(other.path)).toHaveLength(0);
    expect(await channelDeliveries(database.db, unverified.channel.id)).toEqual([]);
  });
});

describe('the broker redelivers', () => {
  it('the same reminder.triggered handled twice still sends one of each', async () => {
    const userId = user();
    const mail = await seedChannel(database, { userId, kind: 'email' });
    const { channel: hook, path } = await webhookChannel(userId);
    const event = triggered({ userId });
    expect(await deliverEvent(app, event)).toMatchObject({ status: 'SUCCESS' });
    await tick();
    // Again after it was sent, and twice more at once (two replicas).
    expect(await deliverEvent(app, event)).toMatchObject({ status: 'SUCCESS' });
    await Promise.all([deliverEvent(app, event), deliverEvent(app, event)]);
    await tick();
    await tick();
    expect(await channelDeliveries(database.db, mail.id)).toHaveLength(1);
    expect(await channelDeliveries(database.db, hook.id)).toHaveLength(1);
    await waitForMessages(`to:"${mail.address}"`);
    expect(await messagesTo(mail.address)).toHaveLength(1);
    expect(receiver.requestsTo(path)).toHaveLength(1);
  });
});

describe('a receiver answering 500', () => {
  it('gets its retries, then the delivery is failed, listed, and never tried again', async () => {
    const userId = user();
    const { channel, path } = await webhookChannel(userId);
    receiver.answer(path, () => ({ status: 500, body: 'down' }));
    await deliverEvent(app, triggered({ userId }));
    const [row] = await tickUntilSettled([channel.id]);
    expect(row).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'HTTP 500 (attempt 3 of 3: no more retries)',
      sentAt: null,
    });
    expect(receiver.requestsTo(path)).toHaveLength(3);
    // Every attempt carries the same id and body, each freshly signed.
    expect(new Set(receiver.requestsTo(path).map((r) => r.deliveryId))).toEqual(new Set([row!.id]));
    expect(new Set(receiver.requestsTo(path).map((r) => r.body)).size).toBe(1);
    expect(receiver.requestsTo(path).every((r) => r.signature.ok)).toBe(true);
    const failed = await userDeliveries(database.db, userId, { status: 'failed', limit: 50 });
    expect(failed.map((d) => d.id)).toEqual([row!.id]);
    for (let i = 0; i < 3; i++) await tick();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await tick();
    expect(receiver.requestsTo(path)).toHaveLength(3);
  });

  it('a 410 fails at once; a 429 is retried after its Retry-After', async () => {
    const userId = user();
    const gone = await webhookChannel(userId);
    receiver.answer(gone.path, () => ({ status: 410 }));
    const busy = await webhookChannel(userId);
    let calls = 0;
    receiver.answer(busy.path, () =>
      ++calls === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
    );
    await deliverEvent(app, triggered({ userId }));
    await tick();
    expect((await channelDeliveries(database.db, gone.channel.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'HTTP 410',
    });
    const [waiting] = await channelDeliveries(database.db, busy.channel.id);
    expect(waiting).toMatchObject({ status: 'pending', lastError: 'HTTP 429' });
    expect(waiting!.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(500);
    await tick();
    expect(receiver.requestsTo(busy.path)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const [sent] = await tickUntilSettled([busy.channel.id]);
    expect(sent).toMatchObject({ status: 'sent', attempts: 2 });
  });
});

describe('webhook verification', () => {
  async function verification(path: string, channelId: string, userId: string) {
    const challenge = randomUUID();
    await insertDeliveries(database.db, [
      {
        id: randomUUID(),
        userId,
        channelId,
        purpose: 'verification',
        reminderId: null,
        taskId: null,
        payload: { challenge },
      },
    ]);
    return challenge;
  }

  it('a receiver that echoes the challenge verifies its channel', async () => {
    const userId = user();
    const { channel, path } = await webhookChannel(userId, { verified: false });
    receiver.answer(path, (request) => {
      const body = WebhookPayload.parse(JSON.parse(request.body));
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          challenge: body.type === 'verification' ? body.data.challenge : '',
        }),
      };
    });
    const challenge = await verification(path, channel.id, userId);
    const [row] = await tickUntilSettled([channel.id]);
    expect(row).toMatchObject({ status: 'sent', purpose: 'verification' });
    const [request] = receiver.requestsTo(path);
    expect(request!.signature.ok).toBe(true);
    expect(JSON.parse(request!.body)).toMatchObject({
      type: 'verification',
      data: { challenge, channel_id: channel.id },
    });
    expect((await findChannel(database.db, userId, channel.id))?.status).toBe('verified');
  });

  it('a 2xx without the challenge leaves it unverified, and the delivery says why', async () => {
    const userId = user();
    const { channel, path } = await webhookChannel(userId, { verified: false });
    receiver.answer(path, () => ({ status: 200, body: 'ok' }));
    await verification(path, channel.id, userId);
    const [row] = await tickUntilSettled([channel.id]);
    expect(row?.status).toBe('failed');
    expect(row?.lastError).toMatch(/^answered 200 without the challenge/);
    expect((await findChannel(database.db, userId, channel.id))?.status).toBe('unverified');
  });

  it('an email verification carries its link, and no reminder goes to the unverified address', async () => {
    const userId = user();
    const mail = await seedChannel(database, { userId, kind: 'email', verified: false });
    const token = 'V'.repeat(43);
    await insertDeliveries(database.db, [
      {
        id: randomUUID(),
        userId,
        channelId: mail.id,
        purpose: 'verification',
        reminderId: null,
        taskId: null,
        payload: { token },
      },
    ]);
    await deliverEvent(app, triggered({ userId }));
    await tickUntilSettled([mail.id]);
    const [summary] = await waitForMessages(`to:"${mail.address}"`);
    const message = await getMessage(summary!.ID);
    expect(message.Subject).toBe('Confirm your email address for taskflow reminders');
    expect(message.Text).toContain(`https://taskflow.test/api/links/verify?token=${token}`);
    expect(message.HTML).toContain(`https://taskflow.test/api/links/verify?token=${token}`);
    expect(await messagesTo(mail.address)).toHaveLength(1);
  });
});

describe('no request to a forbidden address, at send time', () => {
  let trap: Receiver;
  let trap6: Receiver | undefined;
  beforeAll(async () => {
    // Loopback, but not the allowed 127.0.0.1: whatever reaches it got past the policy.
    trap = await startReceiver('127.0.0.2');
    trap6 = await startReceiver('::1').catch(() => undefined);
  });
  afterAll(async () => {
    await trap.close();
    await trap6?.close();
  });

  it('refuses names resolving to loopback or metadata, literals, private ranges and redirects', async () => {
    const userId = user();
    const redirect = hookPath();
    receiver.answer(redirect, () => ({
      status: 302,
      headers: { location: `${trap.origin}/after-redirect` },
    }));
    const settings = notifierFor(['127.0.0.1'], {
      sender: { retryBaseMs: 20, maxAttempts: 3 },
      names: {
        'loopback.test': '127.0.0.2',
        'metadata.test': '169.254.169.254',
        'private.test': '10.1.2.3',
        'mapped.test': '::ffff:127.0.0.2',
        'redirect.test': '127.0.0.1',
      },
    });
    const urls = [
      `http://loopback.test:${trap.port}/a`,
      `http://127.0.0.2:${trap.port}/b`,
      `http://mapped.test:${trap.port}/c`,
      'http://metadata.test/latest/meta-data/',
      'http://169.254.169.254/latest/meta-data/',
      'http://private.test:8080/d',
      'http://10.0.0.1:8080/e',
      ...(trap6 ? [`http://[::1]:${trap6.port}/f`] : []),
      `http://redirect.test:${receiver.port}${redirect}`,
    ];
    const channels: Array<{ id: string; address: string }> = [];
    for (const address of urls) {
      // Verified when added: each name resolved to a public address then (DNS changes).
      channels.push(await seedChannel(database, { userId, kind: 'webhook', address }));
    }
    await deliverEvent(app, triggered({ userId }));
    const rows = await tickUntilSettled(
      channels.map((c) => c.id),
      settings,
    );
    const byAddress = new Map(
      rows.map((row) => [channels.find((c) => c.id === row.channelId)!.address, row]),
    );
    for (const address of urls) {
      const row = byAddress.get(address)!;
      expect(row.status, address).toBe('failed');
      expect(row.attempts, `${address} fails at once`).toBe(1);
      expect(row.lastError, address).toMatch(
        address.includes('redirect')
          ? /^HTTP 302 redirect to .*redirects are not followed/
          : /^refused: /,
      );
    }
    expect(trap.requests).toHaveLength(0);
    expect(trap6?.requests ?? []).toHaveLength(0);
    // The allowed receiver answered the redirect once, and nothing followed it.
    expect(receiver.requestsTo(redirect)).toHaveLength(1);
  });
});

describe('channels that may not be sent to', () => {
  it('a reminder to a channel unsubscribed after it was queued fails without sending', async () => {
    const userId = user();
    const mail = await seedChannel(database, { userId, kind: 'email' });
    await deliverEvent(app, triggered({ userId }));
    await channelByUnsubscribeToken(database.db, mail.unsubscribeToken!, { apply: true });
    const [row] = await tickUntilSettled([mail.id]);
    expect(row).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'channel is unsubscribed',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await messagesTo(mail.address)).toHaveLength(0);
  });

  it('without an email transport, emails fail after their retries as "email is not configured"', async () => {
    const userId = user();
    const mail = await seedChannel(database, { userId, kind: 'email' });
    await deliverEvent(app, triggered({ userId }));
    const deadline = Date.now() + 10_000;
    let rows = await channelDeliveries(database.db, mail.id);
    while (rows[0]?.status !== 'failed' && Date.now() < deadline) {
      await tick(notifier, unconfiguredEmailTransport());
      await new Promise((resolve) => setTimeout(resolve, 25));
      rows = await channelDeliveries(database.db, mail.id);
    }
    expect(rows[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(rows[0]!.lastError).toMatch(/^email is not configured: set SMTP_URL/);
    expect(await messagesTo(mail.address)).toHaveLength(0);
  });
});

describe('bad payloads on /events/reminders', () => {
  /** A sidecar that takes publishes (the dead letters) and answers 204. */
  async function fakeSidecar() {
    const published: Array<{ path: string; body: unknown; metadata: string }> = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://x');
        published.push({
          path: url.pathname,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
          metadata: url.searchParams.get('metadata.deadLetterReason') ?? '',
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { published, port: (server.address() as AddressInfo).port, server };
  }

  it('dead-letters a malformed reminder.triggered with the reason, queues nothing, acknowledges other types', async () => {
    const sidecar = await fakeSidecar();
    const dapp = await buildReminderWorker({
      database,
      outbox: outboxOf(database),
      messaging: daprMessaging({
        dapr: createDaprClient({ httpPort: sidecar.port, timeoutMs: 2_000 }),
        appId: 'reminder-worker',
        pubsub: 'taskflow-pubsub',
        topicNamespace: '',
        appApiToken: APP_TOKEN,
      }),
      logger: createLogger('reminder-worker-test', 'silent'),
      registry: createMetricsRegistry('reminder-worker-test-dead-letters'),
      policy: POLICY,
      tickBudgetMs: 5_000,
      tickLookaheadMs: 0,
      notifier,
      emailTransport: email,
    });
    try {
      const userId = user();
      const mail = await seedChannel(database, { userId, kind: 'email' });
      const event = triggered({ userId });
      const broken = { ...event, data: { ...event.data, reminder_id: 'not-a-uuid', title: 7 } };
      expect(await deliverEvent(dapp, broken)).toEqual({ code: 200, status: 'SUCCESS' });
      expect(sidecar.published).toHaveLength(1);
      const [letter] = sidecar.published;
      expect(letter!.path).toBe('/v1.0/publish/taskflow-pubsub/events.deadletter');
      expect(letter!.metadata).toContain('data.reminder_id');
      expect(letter!.metadata).toContain('data.title');
      const noUser = { ...event, user_id: undefined };
      expect(await deliverEvent(dapp, noUser)).toMatchObject({ status: 'SUCCESS' });
      expect(sidecar.published).toHaveLength(2);
      expect(sidecar.published[1]!.metadata).toContain('user_id');
      // Another type on the topic is acknowledged, not dead-lettered.
      expect(await deliverEvent(dapp, { ...event, event_type: 'reminder.snoozed' })).toMatchObject({
        status: 'SUCCESS',
      });
      expect(sidecar.published).toHaveLength(2);
      expect(await channelDeliveries(database.db, mail.id)).toEqual([]);
    } finally {
      await dapp.close();
      sidecar.server.close();
    }
  });
});
