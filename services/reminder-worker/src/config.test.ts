import { describe, expect, it } from 'vitest';
import { loadReminderWorkerConfig } from './config.ts';

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
});
