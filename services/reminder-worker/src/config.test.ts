import { describe, expect, it } from 'vitest';
import { loadReminderWorkerConfig, notifierSettings } from './config.ts';

const valid = { DATABASE_URL: 'postgres://u:p@localhost:5432/db' };

function messageOf(env: NodeJS.ProcessEnv): string {
  try {
    loadReminderWorkerConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('reminder-worker config', () => {
  it('applies the documented defaults', () => {
    expect(loadReminderWorkerConfig(valid)).toMatchObject({
      PORT: 8020,
      DAPR_HTTP_PORT: 3500,
      PUBSUB_NAME: 'taskflow-pubsub',
      REMINDER_GRACE_SECONDS: 86_400,
      REMINDER_LATE_SECONDS: 5,
      REMINDER_BATCH_SIZE: 500,
      REMINDER_TICK_BUDGET_MS: 5_000,
      REMINDER_LOOKAHEAD_MS: 900,
      LOG_LEVEL: 'info',
    });
  });

  it('needs no identity provider: it serves no user', () => {
    expect(() => loadReminderWorkerConfig(valid)).not.toThrow();
  });

  it('names every bad or missing variable in one message', () => {
    const message = messageOf({
      PORT: 'eighty',
      REMINDER_GRACE_SECONDS: '0',
      REMINDER_BATCH_SIZE: '1.5',
      LOG_LEVEL: 'loud',
    });
    expect(message).toMatch(/^reminder-worker: invalid environment\n/);
    expect(message).toContain('DATABASE_URL: is required');
    expect(message).toContain('PORT: must be a whole number from 1 to 65535');
    expect(message).toContain('REMINDER_GRACE_SECONDS: must be a whole number from 1 to 2592000');
    expect(message).toContain('REMINDER_BATCH_SIZE: must be a whole number from 1 to 5000');
    expect(message).toContain('LOG_LEVEL:');
  });

  it('refuses a lateness threshold that is not below the grace period', () => {
    expect(
      messageOf({ ...valid, REMINDER_GRACE_SECONDS: '10', REMINDER_LATE_SECONDS: '10' }),
    ).toContain('REMINDER_LATE_SECONDS: must be less than REMINDER_GRACE_SECONDS');
  });

  it('gives the notifier its documented defaults: no email transport until SMTP_URL, https only', () => {
    const config = loadReminderWorkerConfig(valid);
    expect(config).toMatchObject({
      ENVIRONMENT: 'production',
      PUBLIC_URL: 'http://127.0.0.1:8080',
      DELIVERY_BATCH_SIZE: 100,
      DELIVERY_CONCURRENCY: 20,
      DELIVERY_MAX_ATTEMPTS: 6,
      DELIVERY_RETRY_BASE_MS: 10_000,
      WEBHOOK_TIMEOUT_MS: 10_000,
      EMAIL_TIMEOUT_MS: 15_000,
      EMAIL_TRANSPORT: 'smtp',
      EMAIL_BINDING: 'taskflow-email',
      EMAIL_MESSAGE_ID_DOMAIN: 'taskflow',
    });
    expect(config.SMTP_URL).toBeUndefined();
    const settings = notifierSettings(config);
    expect(settings.webhook).toEqual({ timeoutMs: 10_000, allowHttp: false });
    // 100 claimed, 20 at a time: five waves of at most 15 s, and a margin.
    expect(settings.sender.leaseMs).toBe(80_000);
    expect(
      notifierSettings(loadReminderWorkerConfig({ ...valid, ENVIRONMENT: 'local' })).webhook
        .allowHttp,
    ).toBe(true);
    expect(
      loadReminderWorkerConfig({ ...valid, PUBLIC_URL: 'https://tf.example/' }).PUBLIC_URL,
    ).toBe('https://tf.example');
  });

  it('refuses a bad SMTP_URL, EMAIL_TRANSPORT or PUBLIC_URL, and the Dapr transport without Dapr', () => {
    const message = messageOf({
      ...valid,
      SMTP_URL: 'http://mail.example',
      EMAIL_TRANSPORT: 'sendmail',
      PUBLIC_URL: 'ftp://x',
      EMAIL_MESSAGE_ID_DOMAIN: 'a b',
    });
    expect(message).toContain('SMTP_URL: must be an smtp:// or smtps:// URL');
    expect(message).toContain('EMAIL_TRANSPORT: must be smtp or dapr');
    expect(message).toContain('PUBLIC_URL: must be an http(s) URL');
    expect(message).toContain('EMAIL_MESSAGE_ID_DOMAIN: must be a domain');
    expect(messageOf({ ...valid, USE_DAPR: 'false', EMAIL_TRANSPORT: 'dapr' })).toContain(
      'EMAIL_TRANSPORT: dapr needs the sidecar (USE_DAPR=true)',
    );
    expect(
      loadReminderWorkerConfig({ ...valid, SMTP_URL: 'smtps://u:p%40ss@mail.example:465' })
        .SMTP_URL,
    ).toBe('smtps://u:p%40ss@mail.example:465');
  });
});
