import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Channel,
  ChannelList,
  ChannelWithSecret,
  DeliveryList,
  ErrorBody,
  Task,
  TaskChannels,
} from '@taskflow/contracts';
import { channelDeliveries, findChannel, reminderChannelIds, userDeliveries } from '@taskflow/db';
import type { Resolver } from '@taskflow/outbound';
import { signDevToken } from '@taskflow/service-kit';
import { expectAnswer, SECRET, startApi } from './api.ts';

// Names resolve here as a resolver would answer; the machine has no DNS for the internet.
const ADDRESSES: Record<string, string> = {
  'hooks.example.com': '93.184.216.34',
  'rebind.example.com': '127.0.0.1',
  'inside.example.com': '10.1.2.3',
};
const lookup: Resolver = async (host) => {
  const address = ADDRESSES[host] ?? (host === 'localhost' ? '127.0.0.1' : undefined);
  if (!address) throw Object.assign(new Error(`no ${host}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

const api = await startApi(undefined, { outbound: { lookup } });
type User = Awaited<ReturnType<typeof api.newUser>>;

async function call(
  user: User,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
) {
  return api.call(method, `/api/${user.id}${path}`, { token: user.token, body });
}

const ok = <T>(
  parse: { parse(value: unknown): T },
  user: User,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  status?: number,
) => expectAnswer(api, parse, user, method, path, body, status);

async function refused(
  user: User,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  status: number,
) {
  const response = await call(user, method, path, body);
  expect(response.statusCode, response.body).toBe(status);
  return ErrorBody.parse(response.json()).error;
}

const addEmail = (user: User, address = `${randomUUID()}@example.com`) =>
  ok(Channel, user, 'POST', '/channels', { kind: 'email', address, time_zone: 'Europe/Berlin' });
const addWebhook = (user: User, address = 'https://hooks.example.com/taskflow') =>
  ok(ChannelWithSecret, user, 'POST', '/channels', { kind: 'webhook', address });

/** The deliveries queued for a channel, straight from the table. */
const queued = (channelId: string) => channelDeliveries(api.database.db, channelId);

/** The token of the newest verification email of a channel. */
async function verificationToken(channelId: string): Promise<string> {
  const newest = (await queued(channelId)).at(-1)!;
  return (newest.payload as { token: string }).token;
}

const link = (path: string, token: string, method: 'GET' | 'POST' = 'GET') =>
  api.call(method, `/api/links/${path}?token=${token}`, {
    ...(method === 'POST'
      ? {
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }
      : {}),
  });

describe('email channels', () => {
  it('start unverified with a verification queued; its link verifies once, without signing in', async () => {
    const ann = await api.newUser();
    const channel = await addEmail(ann, 'Ann.Smith@Example.COM');
    expect(channel).toMatchObject({
      kind: 'email',
      address: 'Ann.Smith@example.com',
      status: 'unverified',
      use_by_default: true,
      time_zone: 'Europe/Berlin',
      verified_at: null,
    });
    expect(channel).not.toHaveProperty('secret');
    const [verification, ...more] = await queued(channel.id);
    expect(more).toEqual([]);
    expect(verification).toMatchObject({ purpose: 'verification', status: 'pending' });

    const token = await verificationToken(channel.id);
    const page = await link('verify', token);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('Ann.Smith@example.com');
    const verified = await ok(Channel, ann, 'GET', `/channels/${channel.id}`);
    expect(verified.status).toBe('verified');
    expect(verified.verified_at).not.toBeNull();
    // Spent: the same link again, and a made-up one, say so and change nothing.
    expect((await link('verify', token)).statusCode).toBe(404);
    expect((await link('verify', 'A'.repeat(43))).statusCode).toBe(404);
    expect((await link('verify', 'short')).statusCode).toBe(400);
    expect(
      await refused(ann, 'POST', `/channels/${channel.id}/verification`, undefined, 409),
    ).toMatchObject({
      code: 'conflict',
    });
  });

  it('unsubscribe: the page changes nothing, the one-click POST does; verifying again restores it', async () => {
    const ann = await api.newUser();
    const channel = await addEmail(ann);
    expect((await link('verify', await verificationToken(channel.id))).statusCode).toBe(200);
    const unsubscribe = (await findChannel(api.database.db, ann.id, channel.id))!.unsubscribeToken!;

    const confirm = await link('unsubscribe', unsubscribe);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('<form method="post">');
    expect((await ok(Channel, ann, 'GET', `/channels/${channel.id}`)).status).toBe('verified');

    expect((await link('unsubscribe', unsubscribe, 'POST')).statusCode).toBe(200);
    expect((await ok(Channel, ann, 'GET', `/channels/${channel.id}`)).status).toBe('unsubscribed');
    expect(await reminderChannelIds(api.database.db, ann.id, randomUUID())).toEqual([]);

    await ok(Channel, ann, 'POST', `/channels/${channel.id}/verification`, undefined, 202);
    // Asked again before it went (no notifier runs here): the older ones are not sent, as
    // their links would not work.
    await ok(Channel, ann, 'POST', `/channels/${channel.id}/verification`, undefined, 202);
    const verifications = (await queued(channel.id)).filter((d) => d.purpose === 'verification');
    const superseded = ['failed', 'superseded by a newer verification'];
    expect(verifications.map((d) => [d.status, d.lastError])).toEqual([
      superseded,
      superseded,
      ['pending', null],
    ]);
    expect((await link('verify', await verificationToken(channel.id))).statusCode).toBe(200);
    expect((await ok(Channel, ann, 'GET', `/channels/${channel.id}`)).status).toBe('verified');
  });

  it('refuses what is not an email address, twice the same address, and more than 20 channels', async () => {
    const ann = await api.newUser();
    for (const address of [
      'not-an-address',
      'a@',
      '@example.com',
      `${'a'.repeat(250)}@example.com`,
    ]) {
      await refused(ann, 'POST', '/channels', { kind: 'email', address }, 400);
    }
    await refused(ann, 'POST', '/channels', { kind: 'sms', address: '+4912345' }, 400);
    await refused(
      ann,
      'POST',
      '/channels',
      { kind: 'email', address: 'a@example.com', time_zone: 'Mars/Base' },
      400,
    );
    await addEmail(ann, 'same@example.com');
    await refused(ann, 'POST', '/channels', { kind: 'email', address: 'same@EXAMPLE.com' }, 409);
    for (let i = 1; i < 20; i++) await addEmail(ann);
    await refused(
      ann,
      'POST',
      '/channels',
      { kind: 'email', address: 'one-more@example.com' },
      409,
    );
    expect((await ok(ChannelList, ann, 'GET', '/channels')).items).toHaveLength(20);
  });
});

describe('webhook channels', () => {
  it('show their signing secret once, at creation and on rotation', async () => {
    const ann = await api.newUser();
    const hook = await addWebhook(ann);
    expect(hook).toMatchObject({
      kind: 'webhook',
      status: 'unverified',
      address: 'https://hooks.example.com/taskflow',
    });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const [verification] = await queued(hook.id);
    expect((verification!.payload as { challenge: string }).challenge).toMatch(
      /^[A-Za-z0-9_-]{43}$/,
    );
    const listed = (await ok(ChannelList, ann, 'GET', '/channels')).items[0]!;
    expect(listed).not.toHaveProperty('secret');

    const rotated = await ok(
      ChannelWithSecret,
      ann,
      'POST',
      `/channels/${hook.id}/secret`,
      undefined,
      200,
    );
    expect(rotated.secret).not.toBe(hook.secret);
    const email = await addEmail(ann);
    await refused(ann, 'POST', `/channels/${email.id}/secret`, undefined, 409);
  });

  it('refuses URLs that reach loopback, private, link-local or metadata addresses, and plain http', async () => {
    const ann = await api.newUser();
    const urls = [
      'https://127.0.0.1/hook',
      'https://[::1]/hook',
      'https://10.0.0.7/hook',
      'https://172.16.5.4/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::ffff:127.0.0.1]/hook',
      'https://0.0.0.0/hook',
      'https://localhost/hook',
      'https://rebind.example.com/hook', // a public-looking name that resolves to loopback
      'https://inside.example.com/hook',
      'https://nowhere.example.com/hook', // does not resolve
      'http://hooks.example.com/hook', // http outside ENVIRONMENT=local
      'https://user:pass@hooks.example.com/hook',
    ];
    for (const address of urls) {
      const error = await refused(ann, 'POST', '/channels', { kind: 'webhook', address }, 422);
      expect(error.details?.[0]?.path, address).toBe('address');
    }
    await refused(
      ann,
      'POST',
      '/channels',
      { kind: 'webhook', address: 'ftp://hooks.example.com/x' },
      400,
    );
    expect((await ok(ChannelList, ann, 'GET', '/channels')).items).toEqual([]);
    expect(await userDeliveries(api.database.db, ann.id, { limit: 10 })).toEqual([]);
  });
});

describe("a user's channels are theirs alone", () => {
  it("another user's channel is not found by any route, and cannot be chosen for a task", async () => {
    const [ann, bob] = [await api.newUser(), await api.newUser()];
    const channel = await addEmail(ann);
    const routes: Array<['GET' | 'PATCH' | 'DELETE' | 'POST', string, unknown]> = [
      ['GET', `/channels/${channel.id}`, undefined],
      ['PATCH', `/channels/${channel.id}`, { use_by_default: false }],
      ['POST', `/channels/${channel.id}/verification`, undefined],
      ['POST', `/channels/${channel.id}/secret`, undefined],
      ['DELETE', `/channels/${channel.id}`, undefined],
    ];
    for (const [method, path, body] of routes) await refused(bob, method, path, body, 404);
    // Ann's path with Bob's token: 403, as for every route.
    const response = await api.call('GET', `/api/${ann.id}/channels`, { token: bob.token });
    expect(response.statusCode).toBe(403);
    expect((await api.call('GET', `/api/${ann.id}/channels`)).statusCode).toBe(401);

    const task = await ok(Task, bob, 'POST', '/tasks', { title: 'Dentist' });
    const error = await refused(
      bob,
      'PUT',
      `/tasks/${task.id}/channels`,
      { channel_ids: [channel.id] },
      422,
    );
    expect(error.details).toEqual([
      { location: 'body', path: 'channel_ids.0', message: `no channel ${channel.id}` },
    ]);
    expect((await ok(Channel, ann, 'GET', `/channels/${channel.id}`)).use_by_default).toBe(true);
  });
});

describe("a task's channel choice", () => {
  it('overrides the defaults, only with verified channels, and forgets a removed channel', async () => {
    const ann = await api.newUser();
    const [first, second] = [await addEmail(ann), await addEmail(ann)];
    for (const channel of [first, second]) {
      await link('verify', await verificationToken(channel.id));
    }
    const unverified = await addEmail(ann);
    const task = await ok(Task, ann, 'POST', '/tasks', { title: 'Dentist' });
    const other = await ok(Task, ann, 'POST', '/tasks', { title: 'Gym' });
    expect(await ok(TaskChannels, ann, 'GET', `/tasks/${task.id}/channels`)).toEqual({
      channel_ids: null,
    });
    expect(await reminderChannelIds(api.database.db, ann.id, task.id)).toEqual([
      first.id,
      second.id,
    ]);

    await ok(Channel, ann, 'PATCH', `/channels/${second.id}`, { use_by_default: false });
    expect(await reminderChannelIds(api.database.db, ann.id, task.id)).toEqual([first.id]);

    // An unverified channel cannot be chosen: nothing is sent to an unconfirmed address.
    const error = await refused(
      ann,
      'PUT',
      `/tasks/${task.id}/channels`,
      { channel_ids: [second.id, unverified.id] },
      422,
    );
    expect(error.details).toEqual([
      {
        location: 'body',
        path: 'channel_ids.1',
        message: `channel ${unverified.id} is unverified`,
      },
    ]);
    const chosen = await ok(TaskChannels, ann, 'PUT', `/tasks/${task.id}/channels`, {
      channel_ids: [second.id, second.id],
    });
    expect(chosen).toEqual({ channel_ids: [second.id] });
    expect(await reminderChannelIds(api.database.db, ann.id, task.id)).toEqual([second.id]);
    expect(await reminderChannelIds(api.database.db, ann.id, other.id)).toEqual([first.id]);

    await ok(TaskChannels, ann, 'PUT', `/tasks/${task.id}/channels`, { channel_ids: [] });
    expect(await reminderChannelIds(api.database.db, ann.id, task.id)).toEqual([]);

    await ok(TaskChannels, ann, 'PUT', `/tasks/${task.id}/channels`, { channel_ids: [second.id] });
    expect((await call(ann, 'DELETE', `/channels/${second.id}`)).statusCode).toBe(204);
    expect(await ok(TaskChannels, ann, 'GET', `/tasks/${task.id}/channels`)).toEqual({
      channel_ids: [],
    });
    await ok(TaskChannels, ann, 'PUT', `/tasks/${task.id}/channels`, { channel_ids: null });
    expect(await reminderChannelIds(api.database.db, ann.id, task.id)).toEqual([first.id]);

    await refused(ann, 'PUT', `/tasks/${randomUUID()}/channels`, { channel_ids: null }, 404);
    await refused(ann, 'PUT', `/tasks/${task.id}/channels`, { channel_ids: 'all' }, 400);
  });
});

describe('deliveries', () => {
  it("are listed newest first by status, a page at a time, and only the user's own", async () => {
    const [ann, bob] = [await api.newUser(), await api.newUser()];
    for (let i = 0; i < 3; i++) await addEmail(ann);
    await addEmail(bob);
    const first = await ok(DeliveryList, ann, 'GET', '/deliveries?limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.items.every((d) => d.purpose === 'verification' && d.status === 'pending')).toBe(
      true,
    );
    const rest = await ok(
      DeliveryList,
      ann,
      'GET',
      `/deliveries?limit=2&cursor=${first.next_cursor}`,
    );
    expect(rest.items).toHaveLength(1);
    expect(rest.next_cursor).toBeNull();
    expect((await ok(DeliveryList, ann, 'GET', '/deliveries?status=failed')).items).toEqual([]);
    await refused(ann, 'GET', '/deliveries?status=lost', undefined, 400);
  });
});

it('a user named "links" still reaches their own routes', async () => {
  const user = { id: 'links', token: await signDevToken('links', SECRET) };
  expect((await call(user, 'GET', '/tasks')).statusCode).toBe(200);
  expect((await call(user, 'GET', '/channels')).statusCode).toBe(200);
});
