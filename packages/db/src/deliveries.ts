import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Delivery, DeliveryPurpose, DeliveryStatus } from '@taskflow/contracts';
import type { Executor } from './client.ts';
import { epochMs } from './instant.ts';
import { channels, deliveries } from './schema.ts';

// The delivery queue: rows made by task-api (a channel's verification) and by the notifier (a
// reminder to each of its channels), claimed and settled by the notifier's sender.

export type DeliveryRow = typeof deliveries.$inferSelect;

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    channel_id: row.channelId,
    purpose: row.purpose as DeliveryPurpose,
    reminder_id: row.reminderId,
    task_id: row.taskId,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    last_error: row.lastError,
    sent_at: row.sentAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

export interface NewDelivery {
  id: string;
  userId: string;
  channelId: string;
  purpose: DeliveryPurpose;
  reminderId: string | null;
  taskId: string | null;
  payload: unknown;
}

/**
 * Queues deliveries. A reminder's delivery to a channel that exists already (the event came
 * again) is left out by the unique index, so a redelivered reminder.triggered never sends
 * twice. Returns how many were new.
 */
export async function insertDeliveries(ex: Executor, rows: NewDelivery[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await ex
    .insert(deliveries)
    .values(rows)
    .onConflictDoNothing()
    .returning({ id: deliveries.id });
  return inserted.length;
}

/**
 * The verified channels a reminder of this user on this task goes to: the task's choice if the
 * user made one, else their channels marked `use_by_default`.
 */
export async function reminderChannelIds(
  ex: Executor,
  userId: string,
  taskId: string,
): Promise<string[]> {
  const rows = await ex.execute<{ id: string }>(sql`
    select c.id from channels c
    left join task_channels tc on tc.task_id = ${taskId}::uuid and tc.user_id = ${userId}
    where c.user_id = ${userId} and c.status = 'verified'
      and (case when tc.task_id is null then c.use_by_default
                else c.id = any(tc.channel_ids) end)
    order by c.created_at, c.id`);
  return [...rows].map((row) => row.id);
}

/** A claimed delivery with what sending it needs from its channel. */
export interface ClaimedDelivery {
  id: string;
  userId: string;
  channelId: string;
  purpose: DeliveryPurpose;
  reminderId: string | null;
  taskId: string | null;
  payload: unknown;
  /** This attempt's number, from 1. */
  attempt: number;
  createdAt: Date;
  channel: {
    kind: 'email' | 'webhook';
    address: string;
    status: 'unverified' | 'verified' | 'unsubscribed';
    timeZone: string;
    secret: string | null;
    unsubscribeToken: string | null;
  };
}

/**
 * Claims up to `limit` due deliveries (and ones whose attempt's lease ran out: their sender
 * died), skipping rows another sender holds, and marks them `sending` with a lease of
 * `leaseMs`, committed by the caller before any is sent: a sender killed mid-send leaves
 * them to be claimed again when the lease ends, with the same id.
 */
export async function claimDueDeliveries(
  ex: Executor,
  { limit, leaseMs }: { limit: number; leaseMs: number },
): Promise<ClaimedDelivery[]> {
  const rows = await ex.execute<{
    id: string;
    user_id: string;
    channel_id: string;
    purpose: DeliveryPurpose;
    reminder_id: string | null;
    task_id: string | null;
    payload: unknown;
    attempts: number;
    created_at_ms: number;
    kind: 'email' | 'webhook';
    address: string;
    channel_status: 'unverified' | 'verified' | 'unsubscribed';
    time_zone: string;
    secret: string | null;
    unsubscribe_token: string | null;
  }>(sql`
    with due as (
      select id from deliveries
      where status in ('pending', 'sending') and next_attempt_at <= now()
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    )
    update deliveries d
    set status = 'sending', attempts = d.attempts + 1, updated_at = now(),
      next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}::float8)
    from due, channels c
    where d.id = due.id and c.id = d.channel_id
    returning d.id, d.user_id, d.channel_id, d.purpose, d.reminder_id, d.task_id, d.payload,
      d.attempts, ${epochMs(sql`d.created_at`)} as created_at_ms, c.kind, c.address, c.status as channel_status,
      c.time_zone, c.secret, c.unsubscribe_token`);
  return [...rows].map((row) => ({
    id: row.id,
    userId: row.user_id,
    channelId: row.channel_id,
    purpose: row.purpose,
    reminderId: row.reminder_id,
    taskId: row.task_id,
    payload: row.payload,
    attempt: row.attempts,
    createdAt: new Date(row.created_at_ms),
    channel: {
      kind: row.kind,
      address: row.address,
      status: row.channel_status,
      timeZone: row.time_zone,
      secret: row.secret,
      unsubscribeToken: row.unsubscribe_token,
    },
  }));
}

/** The outcome of one attempt. */
export type Settlement =
  | { status: 'sent' }
  | { status: 'pending'; retryAt: Date; error: string }
  | { status: 'failed'; error: string };

/** Records an attempt's outcome, only while this attempt still holds the row. */
export async function settleDelivery(
  ex: Executor,
  id: string,
  attempt: number,
  outcome: Settlement,
): Promise<void> {
  const changes =
    outcome.status === 'sent'
      ? { status: 'sent', sentAt: sql`now()`, nextAttemptAt: null, lastError: null }
      : outcome.status === 'pending'
        ? { status: 'pending', nextAttemptAt: outcome.retryAt, lastError: outcome.error }
        : { status: 'failed', nextAttemptAt: null, lastError: outcome.error };
  await ex
    .update(deliveries)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(
      and(
        eq(deliveries.id, id),
        eq(deliveries.status, 'sending'),
        eq(deliveries.attempts, attempt),
      ),
    );
}

/** A webhook answered its challenge: the channel is verified. */
export async function markChannelVerified(ex: Executor, channelId: string): Promise<void> {
  await ex
    .update(channels)
    .set({ status: 'verified', verifiedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(channels.id, channelId), eq(channels.status, 'unverified')));
}

/** The user's deliveries, newest first, by keyset on (created_at, id). */
export async function userDeliveries(
  ex: Executor,
  userId: string,
  filter: { status?: DeliveryStatus; limit: number; before?: { createdAt: Date; id: string } },
): Promise<DeliveryRow[]> {
  const conditions = [eq(deliveries.userId, userId)];
  if (filter.status) conditions.push(eq(deliveries.status, filter.status));
  if (filter.before) {
    const { createdAt, id } = filter.before;
    conditions.push(
      or(
        lt(deliveries.createdAt, createdAt),
        and(eq(deliveries.createdAt, createdAt), lt(deliveries.id, id)),
      )!,
    );
  }
  return ex
    .select()
    .from(deliveries)
    .where(and(...conditions))
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(filter.limit);
}

/** Every delivery of one channel, oldest first (what a channel was sent, for tests and support). */
export async function channelDeliveries(ex: Executor, channelId: string): Promise<DeliveryRow[]> {
  return ex
    .select()
    .from(deliveries)
    .where(eq(deliveries.channelId, channelId))
    .orderBy(deliveries.createdAt, deliveries.id);
}

/**
 * Deliveries whose (next) attempt is due and that no sender holds: stays near 0 while the
 * senders keep up (a `sending` row whose lease ran out counts: its sender died).
 */
export async function dueDeliveryBacklog(ex: Executor): Promise<number> {
  const [row] = await ex.execute<{ due: number }>(sql`
    select count(*)::int as due from deliveries
    where status in ('pending', 'sending') and next_attempt_at <= now()`);
  return row?.due ?? 0;
}

/**
 * A channel's verifications still waiting to be sent, failed as superseded: a new one was asked
 * for, and an email's older link no longer works (only the newest token's hash is kept).
 */
export async function supersedeVerifications(ex: Executor, channelId: string): Promise<number> {
  const rows = await ex
    .update(deliveries)
    .set({
      status: 'failed',
      nextAttemptAt: null,
      lastError: 'superseded by a newer verification',
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(deliveries.channelId, channelId),
        eq(deliveries.purpose, 'verification'),
        eq(deliveries.status, 'pending'),
      ),
    )
    .returning({ id: deliveries.id });
  return rows.length;
}
