import {
  claimDueDeliveries,
  markChannelVerified,
  settleDelivery,
  type ClaimedDelivery,
  type Database,
} from '@taskflow/db';
import type { FastifyBaseLogger } from 'fastify';
import type { NotifierMetrics } from '../metrics.ts';
import { composeEmail } from './email.ts';
import type { EmailTransport } from './email-transport.ts';
import { permanent, settlementOf, transient, type AttemptResult } from './outcome.ts';
import { ReminderPayload } from './payloads.ts';
import type { EmailSettings, SenderSettings, WebhookSettings } from './settings.ts';
import { sendWebhook } from './webhook.ts';

export interface SenderDeps {
  database: Database;
  settings: SenderSettings;
  webhook: WebhookSettings;
  email: EmailSettings;
  emailTransport: EmailTransport;
  metrics: NotifierMetrics;
}

export interface DeliveryTickResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  /** The error of the tick's last attempt that was not sent, for the log line. */
  lastError?: string;
}

type Log = Pick<FastifyBaseLogger, 'info' | 'warn'>;

/**
 * One tick of the sender: claim a batch (committed at once: each row `sending`, its attempt
 * counted, held for the lease), send its deliveries DELIVERY_CONCURRENCY at a time, and settle
 * each one as soon as its own attempt ends. A sender killed mid-batch has lost at most the
 * attempts in flight: their rows are claimed again when the lease ends and sent again with the
 * same id (at least once; receivers drop repeats by Message-ID or X-Taskflow-Delivery-Id).
 * Batch after batch while they come full, within the tick's budget.
 */
export async function runDeliveryTick(deps: SenderDeps, log: Log): Promise<DeliveryTickResult> {
  const { database, settings } = deps;
  const deadline = Date.now() + settings.budgetMs;
  const result: DeliveryTickResult = { claimed: 0, sent: 0, retried: 0, failed: 0 };
  for (;;) {
    const batch = await claimDueDeliveries(database.db, {
      limit: settings.batchSize,
      leaseMs: settings.leaseMs,
    });
    result.claimed += batch.length;
    await inParallel(batch, settings.concurrency, async (delivery) => {
      const { outcome, error } = await sendAndSettle(deps, delivery, log);
      result[outcome] += 1;
      if (error !== undefined) result.lastError = error;
    });
    if (batch.length < settings.batchSize || Date.now() >= deadline) break;
  }
  if (result.claimed > 0) log.info(result, 'delivery tick');
  return result;
}

/** One attempt of one claimed delivery, then its settlement. */
export async function sendAndSettle(
  deps: SenderDeps,
  delivery: ClaimedDelivery,
  log: Log,
): Promise<{ outcome: 'sent' | 'retried' | 'failed'; error?: string }> {
  const kind = delivery.channel.kind;
  const stopTimer = deps.metrics.attemptSeconds.startTimer({ kind });
  let result: AttemptResult;
  try {
    result = await attempt(deps, delivery);
  } catch (error) {
    // A bug or a payload that cannot be read: retried like any failure, so never lost silently.
    result = transient(error instanceof Error ? error.message : String(error));
  } finally {
    stopTimer();
  }
  const { settlement, outcome } = settlementOf(result, delivery.attempt, deps.settings);
  const verifies =
    result.ok && delivery.purpose === 'verification' && delivery.channel.kind === 'webhook';
  if (verifies) {
    await deps.database.transaction(async (tx) => {
      await settleDelivery(tx, delivery.id, delivery.attempt, settlement);
      await markChannelVerified(tx, delivery.channelId);
    });
  } else {
    await settleDelivery(deps.database.db, delivery.id, delivery.attempt, settlement);
  }
  deps.metrics.attempts.inc({ kind, purpose: delivery.purpose, outcome });
  if (outcome === 'sent' && delivery.purpose === 'reminder') {
    const fired = ReminderPayload.safeParse(delivery.payload);
    if (fired.success) {
      deps.metrics.lateness.observe(
        { kind },
        (Date.now() - new Date(fired.data.fired_at).getTime()) / 1000,
      );
    }
  }
  if (outcome === 'failed') {
    log.warn(
      {
        delivery_id: delivery.id,
        channel_id: delivery.channelId,
        kind,
        purpose: delivery.purpose,
        attempt: delivery.attempt,
        error: settlement.status === 'failed' ? settlement.error : undefined,
      },
      'delivery failed: no more attempts',
    );
  }
  return result.ok ? { outcome } : { outcome, error: result.error };
}

/** What the delivery's channel and purpose call for: send, or refuse without sending. */
async function attempt(deps: SenderDeps, delivery: ClaimedDelivery): Promise<AttemptResult> {
  const { channel } = delivery;
  if (delivery.purpose === 'reminder' && channel.status !== 'verified') {
    // Unsubscribed (or made unverified) after the reminder was queued: nothing is sent.
    return permanent(`channel is ${channel.status}`);
  }
  if (delivery.purpose === 'verification' && channel.status === 'verified') {
    return permanent('not sent: the channel is verified already');
  }
  if (channel.kind === 'webhook') return sendWebhook(delivery, deps.webhook);
  let email;
  try {
    email = composeEmail(delivery, deps.email);
  } catch (error) {
    return permanent(
      `cannot compose the email: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return deps.emailTransport.send(email);
}

/**
 * Runs `work` on every item, at most `limit` at a time, and resolves when all have ended; an
 * item that throws (its settlement could not be written) does not stop the others, and the
 * first such error is thrown at the end (the tick fails; those rows are sent again after the
 * lease).
 */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item).catch((error: unknown) => errors.push(error));
    }
  });
  await Promise.all(lanes);
  if (errors.length > 0) throw errors[0];
}
