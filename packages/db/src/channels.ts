import { and, asc, count, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Channel, ChannelKind, ChannelStatus } from '@taskflow/contracts';
import type { Executor } from './client.ts';
import { channels, taskChannels } from './schema.ts';
import { ensureUser } from './users.ts';

// task-api's channel routes and the public links of emails. What the sender runs is in
// deliveries.ts.

export type ChannelRow = typeof channels.$inferSelect;

/** A channel row as the wire sees it (never its secret or tokens). */
export function toChannel(row: ChannelRow): Channel {
  return {
    id: row.id,
    kind: row.kind as ChannelKind,
    address: row.address,
    status: row.status as ChannelStatus,
    use_by_default: row.useByDefault,
    time_zone: row.timeZone,
    verified_at: row.verifiedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export interface NewChannel {
  id: string;
  userId: string;
  kind: ChannelKind;
  address: string;
  timeZone: string;
  useByDefault: boolean;
  secret: string | null;
  unsubscribeToken: string | null;
  verifyTokenHash: string | null;
  verifyExpiresAt: Date | null;
}

/** Adds a channel; undefined when the user has this address already (the caller answers 409). */
export async function insertChannel(
  ex: Executor,
  channel: NewChannel,
): Promise<ChannelRow | undefined> {
  await ensureUser(ex, channel.userId);
  const [row] = await ex
    .insert(channels)
    .values(channel)
    .onConflictDoNothing({ target: [channels.userId, channels.kind, channels.address] })
    .returning();
  return row;
}

export async function countChannels(ex: Executor, userId: string): Promise<number> {
  const [row] = await ex.select({ n: count() }).from(channels).where(eq(channels.userId, userId));
  return row?.n ?? 0;
}

/** The user's channels, oldest first. */
export async function userChannels(ex: Executor, userId: string): Promise<ChannelRow[]> {
  return ex
    .select()
    .from(channels)
    .where(eq(channels.userId, userId))
    .orderBy(asc(channels.createdAt), asc(channels.id));
}

/** The user's channel by id; another user's is as unknown as a missing one. */
export async function findChannel(
  ex: Executor,
  userId: string,
  id: string,
  { forUpdate = false } = {},
): Promise<ChannelRow | undefined> {
  const query = ex
    .select()
    .from(channels)
    .where(and(eq(channels.id, id), eq(channels.userId, userId)));
  const [row] = await (forUpdate ? query.for('update') : query);
  return row;
}

export type ChannelChanges = Partial<
  Pick<
    ChannelRow,
    | 'status'
    | 'useByDefault'
    | 'timeZone'
    | 'secret'
    | 'verifyTokenHash'
    | 'verifyExpiresAt'
    | 'verifiedAt'
  >
>;

export async function updateChannel(
  ex: Executor,
  id: string,
  changes: ChannelChanges,
): Promise<ChannelRow> {
  const [row] = await ex
    .update(channels)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(channels.id, id))
    .returning();
  return row!;
}

/** Removes the user's channel (its deliveries go with it); false when there was none. */
export async function deleteChannel(ex: Executor, userId: string, id: string): Promise<boolean> {
  const deleted = await ex
    .delete(channels)
    .where(and(eq(channels.id, id), eq(channels.userId, userId)))
    .returning({ id: channels.id });
  return deleted.length > 0;
}

/**
 * The email channel whose verification link carries this token (by its SHA-256), if the link
 * has not expired: now verified, and the token spent.
 */
export async function verifyChannelByToken(
  ex: Executor,
  tokenHash: string,
): Promise<ChannelRow | undefined> {
  const [row] = await ex
    .update(channels)
    .set({
      status: 'verified',
      verifiedAt: sql`now()`,
      verifyTokenHash: null,
      verifyExpiresAt: null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(channels.verifyTokenHash, tokenHash), gt(channels.verifyExpiresAt, sql`now()`)))
    .returning();
  return row;
}

/** The email channel of an unsubscribe link; `apply` marks it unsubscribed. */
export async function channelByUnsubscribeToken(
  ex: Executor,
  token: string,
  { apply = false } = {},
): Promise<ChannelRow | undefined> {
  if (!apply) {
    const [row] = await ex.select().from(channels).where(eq(channels.unsubscribeToken, token));
    return row;
  }
  const [row] = await ex
    .update(channels)
    .set({ status: 'unsubscribed', updatedAt: sql`now()` })
    .where(eq(channels.unsubscribeToken, token))
    .returning();
  return row;
}

/** Of these ids, the user's channels, each with its status. */
export async function ownChannelStatuses(
  ex: Executor,
  userId: string,
  ids: string[],
): Promise<Map<string, ChannelStatus>> {
  if (ids.length === 0) return new Map();
  const rows = await ex
    .select({ id: channels.id, status: channels.status })
    .from(channels)
    .where(and(eq(channels.userId, userId), inArray(channels.id, ids)));
  return new Map(rows.map((row) => [row.id, row.status as ChannelStatus]));
}

/** The user's channel choice for a task: ids, or null (their default channels). */
export async function taskChannelIds(
  ex: Executor,
  userId: string,
  taskId: string,
): Promise<string[] | null> {
  const [row] = await ex
    .select({ ids: taskChannels.channelIds })
    .from(taskChannels)
    .where(and(eq(taskChannels.taskId, taskId), eq(taskChannels.userId, userId)));
  return row?.ids ?? null;
}

/** Sets (ids) or clears (null: back to the defaults) the user's channel choice for a task. */
export async function setTaskChannelIds(
  ex: Executor,
  userId: string,
  taskId: string,
  ids: string[] | null,
): Promise<void> {
  if (ids === null) {
    await ex
      .delete(taskChannels)
      .where(and(eq(taskChannels.taskId, taskId), eq(taskChannels.userId, userId)));
    return;
  }
  await ex
    .insert(taskChannels)
    .values({ taskId, userId, channelIds: ids })
    .onConflictDoUpdate({
      target: [taskChannels.taskId, taskChannels.userId],
      set: { channelIds: ids },
    });
}

/** Drops a removed channel from every task choice of its user. */
export async function forgetChannelInChoices(
  ex: Executor,
  userId: string,
  channelId: string,
): Promise<void> {
  await ex
    .update(taskChannels)
    .set({ channelIds: sql`array_remove(${taskChannels.channelIds}, ${channelId}::uuid)` })
    .where(
      and(
        eq(taskChannels.userId, userId),
        sql`${channelId}::uuid = any(${taskChannels.channelIds})`,
      ),
    );
}

/** Verification links older than this are refused (a new one can be asked for). */
export const VERIFY_LINK_TTL_MS = 24 * 60 * 60 * 1000;
