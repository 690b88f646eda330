import {
  Channel,
  ChannelList,
  ChannelPathParams,
  ChannelWithSecret,
  CreateChannelBody,
  DeliveriesQuery,
  DeliveryList,
  ErrorBody,
  PatchChannelBody,
  TaskChannels,
  TaskChannelsBody,
  TaskPathParams,
  UserPathParams,
} from '@taskflow/contracts';
import {
  findChannel,
  findTask,
  taskChannelIds,
  toChannel,
  toDelivery,
  userChannels,
  userDeliveries,
  type Database,
} from '@taskflow/db';
import { notFound, type App } from '@taskflow/service-kit';
import { z } from 'zod';
import type { ChannelCommands } from '../channels/commands.ts';
import { decodeKeyset, encodeKeyset } from '../keyset-cursor.ts';

const errors = { '4xx': ErrorBody };

/** Reminder channels, task channel choices and deliveries, under `/api/:user_id`. */
export function channelRoutes(
  app: App,
  { database, channels }: { database: Database; channels: ChannelCommands },
) {
  app.post(
    '/channels',
    {
      schema: {
        operationId: 'createChannel',
        summary: 'Add an email address or a webhook for reminders',
        description:
          'The channel starts `unverified` and its verification is sent at once: an email with a link (valid 24 h), or a webhook request with a `challenge` that the receiver answers (2xx, the challenge in the body). A webhook answer holds its signing `secret`, shown only here. 422 for a webhook URL that is not https (outside ENVIRONMENT=local) or resolves to a loopback, private, link-local or metadata address; 409 for an address the user has already, or beyond 20 channels.',
        params: UserPathParams,
        body: CreateChannelBody,
        response: { 201: z.union([ChannelWithSecret, Channel]), ...errors },
      },
    },
    async (request, reply) => {
      const channel = await channels.create(request.params.user_id, request.body);
      reply.header('location', `/api/${request.params.user_id}/channels/${channel.id}`);
      return reply.code(201).send(channel);
    },
  );

  app.get(
    '/channels',
    {
      schema: {
        operationId: 'listChannels',
        summary: "The user's channels, oldest first",
        params: UserPathParams,
        response: { 200: ChannelList, ...errors },
      },
    },
    async (request) => ({
      items: (await userChannels(database.db, request.params.user_id)).map(toChannel),
    }),
  );

  app.get(
    '/channels/:channel_id',
    {
      schema: {
        operationId: 'getChannel',
        summary: 'Get one channel',
        params: ChannelPathParams,
        response: { 200: Channel, ...errors },
      },
    },
    async (request) => {
      const { user_id, channel_id } = request.params;
      const row = await findChannel(database.db, user_id, channel_id);
      if (!row) throw notFound('channel');
      return toChannel(row);
    },
  );

  app.patch(
    '/channels/:channel_id',
    {
      schema: {
        operationId: 'updateChannel',
        summary: 'Choose whether reminders use the channel by default, or its time zone',
        params: ChannelPathParams,
        body: PatchChannelBody,
        response: { 200: Channel, ...errors },
      },
    },
    async (request) =>
      channels.update(request.params.user_id, request.params.channel_id, request.body),
  );

  app.delete(
    '/channels/:channel_id',
    {
      schema: {
        operationId: 'deleteChannel',
        summary: 'Remove a channel',
        description: 'Its queued deliveries go with it, and tasks that chose it no longer name it.',
        params: ChannelPathParams,
        response: { 204: z.null().describe('removed'), ...errors },
      },
    },
    async (request, reply) => {
      await channels.remove(request.params.user_id, request.params.channel_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/channels/:channel_id/verification',
    {
      schema: {
        operationId: 'resendChannelVerification',
        summary: 'Send the verification again',
        description:
          'A new link (email; earlier links stop working) or a new challenge (webhook). Also how an unsubscribed email address is used again. 409 if the channel is verified.',
        params: ChannelPathParams,
        response: { 202: Channel, ...errors },
      },
    },
    async (request, reply) => {
      const { user_id, channel_id } = request.params;
      return reply.code(202).send(await channels.resendVerification(user_id, channel_id));
    },
  );

  app.post(
    '/channels/:channel_id/secret',
    {
      schema: {
        operationId: 'rotateChannelSecret',
        summary: "Replace a webhook's signing secret",
        description:
          'The answer holds the new secret, shown only here; requests from now on are signed with it. 409 for an email channel.',
        params: ChannelPathParams,
        response: { 200: ChannelWithSecret, ...errors },
      },
    },
    async (request) => channels.rotateSecret(request.params.user_id, request.params.channel_id),
  );

  app.get(
    '/tasks/:id/channels',
    {
      schema: {
        operationId: 'getTaskChannels',
        summary: "The channels of the user's reminders on this task",
        description: '`null`: the channels marked `use_by_default`.',
        params: TaskPathParams,
        response: { 200: TaskChannels, ...errors },
      },
    },
    async (request) => {
      const { user_id, id } = request.params;
      if (!(await findTask(database.db, user_id, id))) throw notFound('task');
      return { channel_ids: await taskChannelIds(database.db, user_id, id) };
    },
  );

  app.put(
    '/tasks/:id/channels',
    {
      schema: {
        operationId: 'setTaskChannels',
        summary: "Choose the channels of the user's reminders on this task",
        description:
          "`channel_ids`: these verified channels (`[]`: open tabs only), or `null`: back to the default channels. On a shared task the choice is the caller's own, like their reminders. 422 for an id that is not one of the user's verified channels.",
        params: TaskPathParams,
        body: TaskChannelsBody,
        response: { 200: TaskChannels, ...errors },
      },
    },
    async (request) => {
      const { user_id, id } = request.params;
      return {
        channel_ids: await channels.setTaskChannels(user_id, id, request.body.channel_ids),
      };
    },
  );

  app.get(
    '/deliveries',
    {
      schema: {
        operationId: 'listDeliveries',
        summary: "The user's reminder and verification deliveries, newest first",
        description:
          '`status=failed`: those that will not be tried again (every attempt failed, or the channel was unsubscribed), each with its `last_error`. Pass `next_cursor` back as `cursor`.',
        params: UserPathParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveryList, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const before = cursor === undefined ? undefined : decodeKeyset(cursor);
      const rows = await userDeliveries(database.db, request.params.user_id, {
        limit: limit + 1,
        ...(status ? { status } : {}),
        ...(before ? { before: { createdAt: before.at, id: before.id } } : {}),
      });
      const items = rows.slice(0, limit).map(toDelivery);
      const last = items.at(-1);
      return {
        items,
        next_cursor: rows.length > limit && last ? encodeKeyset(last.created_at, last.id) : null,
      };
    },
  );
}
