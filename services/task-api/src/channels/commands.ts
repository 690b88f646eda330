import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  CHANNELS_PER_USER_MAX,
  type Channel,
  type ChannelWithSecret,
  type CreateChannelBody,
  type PatchChannelBody,
} from '@taskflow/contracts';
import {
  countChannels,
  deleteChannel,
  findChannel,
  findTask,
  forgetChannelInChoices,
  insertChannel,
  insertDeliveries,
  ownChannelStatuses,
  setTaskChannelIds,
  supersedeVerifications,
  toChannel,
  updateChannel,
  VERIFY_LINK_TTL_MS,
  type ChannelRow,
  type Database,
  type Executor,
} from '@taskflow/db';
import { checkDestination, generateSecret, type DestinationOptions } from '@taskflow/outbound';
import { AppError, notFound } from '@taskflow/service-kit';

/** 256 bits, URL-safe: the credential of an email's links (43 characters). */
export const linkToken = (): string => randomBytes(32).toString('base64url');
export const tokenHash = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

/** An email address as stored: trimmed, its domain lower case (the local part is the host's). */
export function normaliseEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}

const refusedUrl = (reason: string) =>
  new AppError('unprocessable', `the webhook URL is refused: ${reason}`, [
    { location: 'body', path: 'address', message: reason },
  ]);

/**
 * A user's channels. Adding one queues its verification in the same transaction (the notifier
 * sends it): an email with a link, or a webhook request with a challenge to answer. Nothing but
 * that is sent to a channel until it is verified.
 */
export function channelCommands(database: Database, outbound: DestinationOptions) {
  /** Queues a fresh verification: a new link (email) or a new challenge (webhook). */
  async function queueVerification(tx: Executor, channel: ChannelRow): Promise<ChannelRow> {
    let payload: { token: string } | { challenge: string };
    if (channel.kind === 'email') {
      const token = linkToken();
      channel = await updateChannel(tx, channel.id, {
        verifyTokenHash: tokenHash(token),
        verifyExpiresAt: new Date(Date.now() + VERIFY_LINK_TTL_MS),
      });
      payload = { token };
    } else {
      payload = { challenge: linkToken() };
    }
    await supersedeVerifications(tx, channel.id);
    await insertDeliveries(tx, [
      {
        id: randomUUID(),
        userId: channel.userId,
        channelId: channel.id,
        purpose: 'verification',
        reminderId: null,
        taskId: null,
        payload,
      },
    ]);
    return channel;
  }

  const own = async (tx: Executor, userId: string, id: string) => {
    const channel = await findChannel(tx, userId, id, { forUpdate: true });
    if (!channel) throw notFound('channel');
    return channel;
  };

  return {
    async create(userId: string, body: CreateChannelBody): Promise<Channel | ChannelWithSecret> {
      let address = body.address;
      if (body.kind === 'webhook') {
        // Refused now if it points somewhere private; checked again at every delivery, since
        // what a name resolves to can change.
        const check = await checkDestination(address, outbound);
        if (!check.ok) throw refusedUrl(check.reason);
        address = check.url.href;
      } else {
        address = normaliseEmail(address);
      }
      return database.transaction(async (tx) => {
        if ((await countChannels(tx, userId)) >= CHANNELS_PER_USER_MAX) {
          throw new AppError('conflict', `a user has at most ${CHANNELS_PER_USER_MAX} channels`);
        }
        const secret = body.kind === 'webhook' ? generateSecret() : null;
        const row = await insertChannel(tx, {
          id: randomUUID(),
          userId,
          kind: body.kind,
          address,
          timeZone: body.kind === 'email' ? body.time_zone : 'UTC',
          useByDefault: body.use_by_default,
          secret,
          unsubscribeToken: body.kind === 'email' ? linkToken() : null,
          verifyTokenHash: null,
          verifyExpiresAt: null,
        });
        if (!row) throw new AppError('conflict', `this ${body.kind} channel exists already`);
        const channel = toChannel(await queueVerification(tx, row));
        return secret === null ? channel : { ...channel, secret };
      });
    },

    update(userId: string, id: string, body: PatchChannelBody): Promise<Channel> {
      return database.transaction(async (tx) => {
        await own(tx, userId, id);
        const changes = {
          ...(body.use_by_default === undefined ? {} : { useByDefault: body.use_by_default }),
          ...(body.time_zone === undefined ? {} : { timeZone: body.time_zone }),
        };
        return toChannel(await updateChannel(tx, id, changes));
      });
    },

    remove(userId: string, id: string): Promise<void> {
      return database.transaction(async (tx) => {
        if (!(await deleteChannel(tx, userId, id))) throw notFound('channel');
        await forgetChannelInChoices(tx, userId, id);
      });
    },

    /** Sends the verification again (a verified channel needs none: 409). */
    resendVerification(userId: string, id: string): Promise<Channel> {
      return database.transaction(async (tx) => {
        const channel = await own(tx, userId, id);
        if (channel.status === 'verified') {
          throw new AppError('conflict', 'the channel is verified already');
        }
        return toChannel(await queueVerification(tx, channel));
      });
    },

    /** A new signing secret for a webhook; the old one stops signing at once. */
    rotateSecret(userId: string, id: string): Promise<ChannelWithSecret> {
      return database.transaction(async (tx) => {
        const channel = await own(tx, userId, id);
        if (channel.kind !== 'webhook') {
          throw new AppError('conflict', 'only a webhook channel has a secret');
        }
        const secret = generateSecret();
        return { ...toChannel(await updateChannel(tx, id, { secret })), secret };
      });
    },

    /** The user's channels for their reminders on a task; null: back to their defaults. */
    setTaskChannels(
      userId: string,
      taskId: string,
      ids: string[] | null,
    ): Promise<string[] | null> {
      return database.transaction(async (tx) => {
        if (!(await findTask(tx, userId, taskId))) throw notFound('task');
        const unique = ids === null ? null : [...new Set(ids)];
        if (unique) {
          // Only the user's own, and only verified ones: nothing but its verification is ever
          // sent to an address its owner has not confirmed.
          const statuses = await ownChannelStatuses(tx, userId, unique);
          const refused = unique.flatMap((id, index) => {
            const status = statuses.get(id);
            if (status === 'verified') return [];
            const message = status ? `channel ${id} is ${status}` : `no channel ${id}`;
            return [{ location: 'body' as const, path: `channel_ids.${index}`, message }];
          });
          if (refused.length > 0) {
            throw new AppError(
              'unprocessable',
              'channel_ids must name verified channels of the user',
              refused,
            );
          }
        }
        await setTaskChannelIds(tx, userId, taskId, unique);
        return unique;
      });
    },
  };
}

export type ChannelCommands = ReturnType<typeof channelCommands>;
