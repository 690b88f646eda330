import { describe, expect, it } from 'vitest';
import { Channel, DeliveryList } from '@taskflow/contracts';
import {
  getMessage,
  messagesTo,
  testMailbox,
  waitForMessages,
  mailpitSmtp,
} from '@taskflow/testkit';
import {
  eventually,
  fleetForFile,
  newUser,
  openSocket,
  printLogsOnFailure,
  type User,
} from './harness.ts';
import { isReminder, taskWithReminder, waitUntilRemindersDeliver } from './reminders-harness.ts';

// Reminders by email through the whole fleet (Dapr, or the one process without it): the
// verification email sent by the notifier, its link opened, a reminder fired by the worker and
// mailed once to the real SMTP server (mailpit), beside the socket; then the email's one-click
// unsubscribe, after which nothing more is mailed to it.
const PUBLIC_URL = 'http://taskflow.test';
const smtp = mailpitSmtp();
const fleet = await fleetForFile(
  { 'task-api': 1, 'ws-notifier': 1, 'reminder-worker': 1 },
  {
    SMTP_URL: `smtp://${smtp.host}:${smtp.port}`,
    PUBLIC_URL,
    EMAIL_FROM: 'taskflow <reminders@taskflow.test>',
  },
);
await waitUntilRemindersDeliver(fleet);

/** The link in a text email that starts with PUBLIC_URL and this path. */
function linkIn(text: string, path: string): string {
  const match = text.match(new RegExp(`${PUBLIC_URL}${path}\\?token=[A-Za-z0-9_-]{43}`));
  if (!match) throw new Error(`no ${path} link in:\n${text}`);
  return match[0];
}

/** Opens a link of an email where this fleet's task-api serves it (PUBLIC_URL is its origin). */
const open = (link: string, method: 'GET' | 'POST' = 'GET') =>
  fetch(link.replace(PUBLIC_URL, fleet.api), {
    method,
    ...(method === 'POST'
      ? {
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }
      : {}),
  });

async function verifiedEmail(user: User, address: string): Promise<Channel> {
  const { status, json } = await user.call('POST', '/channels', {
    kind: 'email',
    address,
    time_zone: 'Europe/Berlin',
  });
  expect(status, JSON.stringify(json)).toBe(201);
  const [verification] = await waitForMessages(`to:"${address}"`, 1, { timeoutMs: 15_000 });
  const message = await getMessage(verification!.ID);
  const response = await open(linkIn(message.Text, '/api/links/verify'));
  expect(response.status).toBe(200);
  const { json: channel } = await user.call('GET', `/channels/${json.id}`);
  expect(channel.status).toBe('verified');
  return Channel.parse(channel);
}

describe(`reminders by email (${fleet.broker})`, () => {
  it('verifies the address by its link, then mails a reminder once, beside the socket', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const address = testMailbox('e2e');
    await verifiedEmail(user, address);

    const socket = await openSocket(fleet, user);
    const { task, reminder } = await taskWithReminder(user, new Date(Date.now() + 1500), 'Dentist');
    await socket.waitFor(isReminder(reminder.id), 15_000);
    const [mail] = await waitForMessages(`to:"${address}" subject:"Dentist"`, 1, {
      timeoutMs: 15_000,
    });
    const message = await getMessage(mail!.ID);
    expect(message.Subject).toContain('Dentist');
    expect(message.MessageID).toMatch(/^[0-9a-f-]{36}@/);
    expect(message.ListUnsubscribe.HeaderPost).toBe('List-Unsubscribe=One-Click');
    expect(message.ListUnsubscribe.Links[0]).toMatch(`${PUBLIC_URL}/api/links/unsubscribe?token=`);
    expect(message.Text).toContain('Dentist');
    expect(message.HTML).toContain('Dentist');

    const deliveries = await eventually(
      async () => DeliveryList.parse((await user.call('GET', '/deliveries?limit=10')).json),
      (list) => list.items.some((d) => d.purpose === 'reminder' && d.status === 'sent'),
    );
    const sent = deliveries.items.find((d) => d.purpose === 'reminder')!;
    expect(sent).toMatchObject({ reminder_id: reminder.id, task_id: task.id, status: 'sent' });
    expect(message.MessageID.startsWith(sent.id)).toBe(true);
    // Ticks come and go: still exactly one reminder email, and the verification.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await messagesTo(address)).toHaveLength(2);
    socket.close();
  });

  it('after the one-click unsubscribe, no reminder is mailed to the address', async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const address = testMailbox('e2e');
    const channel = await verifiedEmail(user, address);
    await taskWithReminder(user, new Date(Date.now() + 1000), 'First');
    const [mail] = await waitForMessages(`to:"${address}" subject:"First"`, 1, {
      timeoutMs: 15_000,
    });
    const message = await getMessage(mail!.ID);
    expect((await open(message.ListUnsubscribe.Links[0]!, 'POST')).status).toBe(200);
    expect((await user.call('GET', `/channels/${channel.id}`)).json.status).toBe('unsubscribed');

    const socket = await openSocket(fleet, user);
    const second = await taskWithReminder(user, new Date(Date.now() + 1000), 'Second');
    await socket.waitFor(isReminder(second.reminder.id), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const titles = (await messagesTo(address)).map((m) => m.Subject);
    expect(titles.some((subject) => subject.includes('Second'))).toBe(false);
    socket.close();
  });
});
