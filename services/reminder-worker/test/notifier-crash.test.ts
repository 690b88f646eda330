import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelDeliveries } from '@taskflow/db';
import { mailpitSmtp, messagesTo, waitForMessages } from '@taskflow/testkit';
import { smtpTransport, unconfiguredEmailTransport } from '../src/notify/email-transport.ts';
import { runDeliveryTick } from '../src/notify/sender.ts';
import {
  deliverEvent,
  notifierFor,
  seedChannel,
  senderDeps,
  startReceiver,
  triggered,
  type Receiver,
} from './notifier.ts';
import { startWorker, workerAppOver } from './worker.ts';

const worker = await startWorker();
const { database } = worker;
const smtp = mailpitSmtp();
const email = smtpTransport(`smtp://${smtp.host}:${smtp.port}`, { timeoutMs: 5_000 });
const quiet = { info: () => {}, warn: () => {} };
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver('127.0.0.1');
});
afterAll(async () => {
  await receiver.close();
  await email.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the sender SIGKILLed mid-batch', () => {
  it('every reminder reaches each channel, each id at least once, repeats only of what was in flight', async () => {
    const REMINDERS = 12;
    const CONCURRENCY = 4;
    const LEASE_MS = 2_000;
    const ANSWERED_BEFORE_THE_HANG = 3;
    const userId = `user-${crypto.randomUUID()}`;
    const mail = await seedChannel(database, { userId, kind: 'email' });
    const path = `/hook-${crypto.randomUUID()}`;
    const hook = await seedChannel(database, {
      userId,
      kind: 'webhook',
      address: `${receiver.origin}${path}`,
    });
    receiver.expectSecret(path, hook.secret!);
    // The first requests are answered; the next ones are held unanswered until the victim dies.
    let hanging = true;
    const held: Array<() => void> = [];
    receiver.answer(path, () =>
      receiver.requestsTo(path).length <= ANSWERED_BEFORE_THE_HANG || !hanging
        ? { status: 204 }
        : new Promise((resolve) => held.push(() => resolve({ status: 204 }))),
    );
    const app = await workerAppOver(database, () => {}, {
      notifier: notifierFor(['127.0.0.1']),
      // Its own: closing the app closes its transport.
      emailTransport: unconfiguredEmailTransport(),
    });
    for (let i = 0; i < REMINDERS; i++)
      await deliverEvent(app, triggered({ userId, title: `Reminder ${i}` }));
    await app.close();
    const deliveries = [
      ...(await channelDeliveries(database.db, mail.id)),
      ...(await channelDeliveries(database.db, hook.id)),
    ];
    expect(deliveries).toHaveLength(2 * REMINDERS);

    const victim = spawn(
      process.execPath,
      [
        '--conditions=@taskflow/source',
        fileURLToPath(new URL('./sender-victim.ts', import.meta.url)),
        worker.url,
        '127.0.0.1',
        `${smtp.host}:${smtp.port}`,
        String(CONCURRENCY),
        String(LEASE_MS),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(victim.stdout, 'data')) as [Buffer];
    expect(String(line)).toBe('started\n');
    // Every lane of the victim ends up waiting on a held webhook.
    const deadline = Date.now() + 15_000;
    while (held.length < CONCURRENCY && Date.now() < deadline) await sleep(20);
    expect(held.length).toBe(CONCURRENCY);
    await sleep(200);
    victim.kill('SIGKILL');
    await once(victim, 'exit');
    hanging = false;
    for (const release of held) release();

    const rowsNow = async () => [
      ...(await channelDeliveries(database.db, mail.id)),
      ...(await channelDeliveries(database.db, hook.id)),
    ];
    const afterKill = await rowsNow();
    const inFlight = afterKill.filter((row) => row.status === 'sending');
    // What the victim had sent and settled stays sent; the rest is still leased to it.
    expect(afterKill.filter((row) => row.status === 'sent').length).toBeGreaterThanOrEqual(
      ANSWERED_BEFORE_THE_HANG,
    );
    expect(inFlight.length).toBeGreaterThanOrEqual(CONCURRENCY);
    const deps = senderDeps(database, notifierFor(['127.0.0.1']), email);
    // While the lease runs, a live sender leaves them alone.
    expect((await runDeliveryTick(deps, quiet)).claimed).toBe(0);
    await sleep(LEASE_MS + 100);
    const resumed = await runDeliveryTick(deps, quiet);
    expect(resumed.claimed).toBe(inFlight.length);
    const final = await rowsNow();
    expect(final.filter((row) => row.status !== 'sent')).toEqual([]);

    // Webhooks: every id at least once; the repeats are the requests the victim had in flight.
    const hookIds = new Set(final.filter((row) => row.channelId === hook.id).map((row) => row.id));
    const raw = receiver.requestsTo(path);
    expect(raw.every((request) => request.signature.ok)).toBe(true);
    expect(new Set(raw.map((request) => request.deliveryId))).toEqual(hookIds);
    const webhookRepeats = raw.length - hookIds.size;
    expect(webhookRepeats).toBe(CONCURRENCY);
    // A receiver that drops repeats by X-Taskflow-Delivery-Id has one per reminder.
    const reminders = new Set(
      [...hookIds].map((id) => JSON.parse(receiver.unique.get(id)!.body).data.reminder_id),
    );
    expect(reminders.size).toBe(REMINDERS);

    // Emails: every reminder's Message-ID in mailpit; repeats only of what was in flight.
    await waitForMessages(`to:"${mail.address}"`, REMINDERS);
    const messages = await messagesTo(mail.address);
    const mailIds = final
      .filter((row) => row.channelId === mail.id)
      .map((row) => `${row.id}@taskflow.test`);
    expect(new Set(messages.map((m) => m.MessageID))).toEqual(new Set(mailIds));
    const emailRepeats = messages.length - mailIds.length;
    expect(emailRepeats).toBeGreaterThanOrEqual(0);
    expect(emailRepeats + webhookRepeats).toBeLessThanOrEqual(inFlight.length);
    expect(new Set(messages.map((m) => m.Subject)).size).toBe(REMINDERS);
  });
});
