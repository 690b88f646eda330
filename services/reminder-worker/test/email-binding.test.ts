// EMAIL_TRANSPORT=dapr against a real daprd that loads the canonical component files
// (dapr/components/common/binding-email.yaml and secretstore-email.yaml) and a real SMTP server.
// It shows what the binding keeps and what it loses, and that a sidecar without a mail server
// still starts.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaprClient } from '@taskflow/dapr';
import type { ClaimedDelivery } from '@taskflow/db';
import {
  getMessage,
  getMessageHeaders,
  mailpitSmtp,
  messagesTo,
  startDaprd,
  testMailbox,
  waitForMessages,
  type Daprd,
} from '@taskflow/testkit';
import { composeEmail } from '../src/notify/email.ts';
import { daprEmailTransport } from '../src/notify/email-transport.ts';

const REPO = join(import.meta.dirname, '..', '..', '..');
const COMMON = join(REPO, 'dapr', 'components', 'common');
const settings = {
  from: 'taskflow <reminders@taskflow.test>',
  publicUrl: 'https://taskflow.test',
  messageIdDomain: 'taskflow.test',
};

let folder: string;
let withServer: Daprd;
let withoutServer: Daprd;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'taskflow-email-binding-'));
  for (const file of ['binding-email.yaml', 'secretstore-email.yaml', 'resiliency.yaml']) {
    copyFileSync(join(COMMON, file), join(folder, file));
  }
  const smtp = mailpitSmtp();
  const common = {
    appId: 'reminder-worker',
    resourcesPaths: [folder],
    configPath: join(REPO, 'dapr', 'config.yaml'),
  };
  [withServer, withoutServer] = await Promise.all([
    startDaprd({
      ...common,
      env: { TASKFLOW_EMAIL_SMTP_HOST: smtp.host, TASKFLOW_EMAIL_SMTP_PORT: String(smtp.port) },
    }),
    startDaprd(common),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([withServer?.stop(), withoutServer?.stop()]);
  rmSync(folder, { recursive: true, force: true });
});

function reminderTo(address: string): ClaimedDelivery {
  return {
    id: crypto.randomUUID(),
    userId: 'user-1',
    channelId: crypto.randomUUID(),
    purpose: 'reminder',
    reminderId: crypto.randomUUID(),
    taskId: crypto.randomUUID(),
    attempt: 1,
    createdAt: new Date(),
    payload: {
      reminder_id: crypto.randomUUID(),
      task_id: crypto.randomUUID(),
      title: 'Water the plants & <ferns>',
      due_date: '2030-01-15T10:00:00.000Z',
      remind_at: '2030-01-15T09:45:00.000Z',
      late: false,
      project_id: null,
      fired_at: '2030-01-15T09:45:00.000Z',
    },
    channel: {
      kind: 'email',
      address,
      status: 'verified',
      timeZone: 'Europe/Berlin',
      secret: null,
      unsubscribeToken: 'u'.repeat(43),
    },
  };
}

const components = async (daprd: Daprd) =>
  (
    (await (await fetch(`${daprd.url}/v1.0/metadata`)).json()) as {
      components: Array<{ name: string; type: string }>;
    }
  ).components
    .map((c) => `${c.name}=${c.type}`)
    .sort();

describe('EMAIL_TRANSPORT=dapr: the bindings.smtp component of dapr/components/common', () => {
  it('sends the HTML part with From, To and Subject, and loses the rest of the contract', async () => {
    expect(await components(withServer)).toEqual([
      'email-secrets=secretstores.local.env',
      'taskflow-email=bindings.smtp',
    ]);
    const address = testMailbox('dapr-binding');
    const email = composeEmail(reminderTo(address), settings);
    const transport = daprEmailTransport(
      createDaprClient({ httpPort: withServer.httpPort }),
      'taskflow-email',
      { timeoutMs: 10_000 },
    );
    expect(await transport.send(email)).toEqual({ ok: true });
    const [summary] = await waitForMessages(`to:"${address}"`);
    const message = await getMessage(summary!.ID);
    expect(message.Subject).toBe('Reminder: Water the plants & <ferns>');
    expect(message.From?.Address).toBe('reminders@taskflow.test');
    expect(message.HTML).toContain('Water the plants &amp; &lt;ferns&gt;');
    expect(message.HTML).toContain('Tuesday, 15 January 2030 at 11:00 CET');
    // What docs/notifications.md says the binding cannot carry: one text/html body (mailpit
    // derives its Text from the HTML), gomail's own Message-ID, no list or automatic headers.
    const headers = await getMessageHeaders(summary!.ID);
    expect(headers['Content-Type']?.[0]).toMatch(/^text\/html/);
    expect(message.MessageID).not.toBe(email.messageId.slice(1, -1));
    expect(message.ListUnsubscribe.Header).toBe('');
    expect(headers['List-Unsubscribe-Post']).toBeUndefined();
    expect(headers['Auto-Submitted']).toBeUndefined();
    expect(headers['X-Priority'] ?? headers['X-priority']).toEqual(['3']);
  });

  it('a sidecar without a mail server starts all the same; sends fail and are retried', async () => {
    expect(await components(withoutServer)).toEqual(['email-secrets=secretstores.local.env']);
    const address = testMailbox('dapr-binding-none');
    const transport = daprEmailTransport(
      createDaprClient({ httpPort: withoutServer.httpPort }),
      'taskflow-email',
      { timeoutMs: 10_000 },
    );
    const result = await transport.send(composeEmail(reminderTo(address), settings));
    expect(result).toMatchObject({ ok: false, permanent: false });
    expect(!result.ok && result.error).toMatch(/invoke binding taskflow-email failed: HTTP \d+/);
    expect(await messagesTo(address)).toEqual([]);
  });
});
