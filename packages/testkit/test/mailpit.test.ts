import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deleteMatching,
  deleteMessages,
  getMessage,
  getMessageHeaders,
  getRawMessage,
  listMessages,
  mailpitApi,
  mailpitSmtp,
  messagesTo,
  testMailbox,
  waitForMessages,
} from '@taskflow/testkit';

/**
 * The smallest SMTP client that proves the server is real: one connection, the RFC 5321
 * dialogue with each reply code checked, the message dot-stuffed. No library, so that what
 * reaches mailpit is exactly what this test wrote.
 */
async function sendMail(from: string, to: string, message: string): Promise<void> {
  const { host, port } = mailpitSmtp();
  const socket = connect({ host, port });
  socket.setEncoding('utf8');
  let buffer = '';
  const waiters: ((line: string) => void)[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply is complete at its last line: `NNN text` (a `NNN-text` line continues it).
    for (let end; (end = buffer.indexOf('\r\n')) >= 0;) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) waiters.shift()?.(line);
    }
  });
  const failed = new Promise<never>((_, reject) => socket.once('error', reject));
  const reply = (expected: number) =>
    Promise.race([
      failed,
      new Promise<void>((resolve, reject) =>
        waiters.push((line) =>
          line.startsWith(String(expected))
            ? resolve()
            : reject(new Error(`SMTP: expected ${expected}, got '${line}'`)),
        ),
      ),
    ]);
  const command = (line: string, expected: number) => {
    const answered = reply(expected);
    socket.write(`${line}\r\n`);
    return answered;
  };
  try {
    await reply(220);
    await command('EHLO testkit.local', 250);
    await command(`MAIL FROM:<${from}>`, 250);
    await command(`RCPT TO:<${to}>`, 250);
    await command('DATA', 354);
    const stuffed = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    await command(`${stuffed}\r\n.`, 250);
    await command('QUIT', 221);
  } finally {
    socket.destroy();
  }
}

describe('mailpit (scripts/provision/mailpit.sh) through packages/testkit', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env.MAILPIT_API = saved.MAILPIT_API;
    process.env.MAILPIT_SMTP = saved.MAILPIT_SMTP;
    if (saved.MAILPIT_API === undefined) delete process.env.MAILPIT_API;
    if (saved.MAILPIT_SMTP === undefined) delete process.env.MAILPIT_SMTP;
  });

  it('reads back a message sent over real SMTP, then deletes it', async () => {
    const to = testMailbox('roundtrip');
    const messageId = `${crypto.randomUUID()}@testkit.local`;
    await sendMail(
      'reminders@taskflow.test',
      to,
      [
        `From: Taskflow <reminders@taskflow.test>`,
        `To: <${to}>`,
        `Subject: Reminder: water the plants`,
        `Message-ID: <${messageId}>`,
        `List-Unsubscribe: <https://taskflow.test/unsubscribe?t=abc>`,
        `Content-Type: text/plain; charset=utf-8`,
        ``,
        `Due at 18:00.`,
        `.a line that starts with a dot`,
      ].join('\n'),
    );

    const [summary, ...others] = await waitForMessages(`to:"${to}"`);
    expect(others).toEqual([]);
    expect(summary!.MessageID).toBe(messageId);
    expect(summary!.Subject).toBe('Reminder: water the plants');
    expect(summary!.To).toEqual([{ Name: '', Address: to }]);

    const message = await getMessage(summary!.ID);
    expect(message.Text).toContain('Due at 18:00.');
    expect(message.Text).toContain('\n.a line that starts with a dot');
    expect(message.ListUnsubscribe.Links).toEqual(['https://taskflow.test/unsubscribe?t=abc']);
    expect((await getMessageHeaders(summary!.ID))['Message-Id']).toEqual([`<${messageId}>`]);
    expect(await getRawMessage(summary!.ID)).toContain(`Message-ID: <${messageId}>`);
    const byId = await listMessages({ query: `message-id:"${messageId}"` });
    expect(byId.messages.map((m) => m.ID)).toEqual([summary!.ID]);

    await deleteMessages([summary!.ID]);
    expect(await messagesTo(to)).toEqual([]);
  });

  it('deletes by search only the matching messages', async () => {
    const mine = testMailbox('mine');
    const theirs = testMailbox('theirs');
    for (const to of [mine, mine, theirs]) {
      await sendMail('a@taskflow.test', to, `To: <${to}>\nSubject: x\n\nbody`);
    }
    await waitForMessages(`to:"${mine}"`, 2);
    await deleteMatching(`to:"${mine}"`);
    expect(await messagesTo(mine)).toEqual([]);
    expect(await messagesTo(theirs)).toHaveLength(1);
    await deleteMatching(`to:"${theirs}"`);
  });

  it('says what to do when MAILPIT_API is unset', async () => {
    delete process.env.MAILPIT_API;
    expect(() => mailpitApi()).toThrow(/MAILPIT_API is not set: start mailpit with/);
    await expect(listMessages()).rejects.toThrow(/MAILPIT_API is not set/);
    delete process.env.MAILPIT_SMTP;
    expect(() => mailpitSmtp()).toThrow(/MAILPIT_SMTP is not set/);
  });

  it('says what to do when mailpit is unreachable', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    process.env.MAILPIT_API = `http://127.0.0.1:${port}`;
    await expect(listMessages()).rejects.toThrow(
      new RegExp(`mailpit at MAILPIT_API=http://127.0.0.1:${port} is unreachable .*ECONNREFUSED`),
    );
  });
});
