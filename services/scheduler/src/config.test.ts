import { describe, expect, it } from 'vitest';
import { ConfigError } from '@taskflow/service-kit';
import { loadSchedulerConfig } from './config.ts';

const minimal = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' };

describe('scheduler config', () => {
  it('fills in the defaults', () => {
    expect(loadSchedulerConfig(minimal)).toMatchObject({
      PORT: 8010,
      DAPR_HTTP_PORT: 3500,
      PUBSUB_NAME: 'taskflow-pubsub',
      TOPIC_NAMESPACE: '',
      LOG_LEVEL: 'info',
      SPAWN_BATCH_SIZE: 500,
      TICK_BUDGET_MS: 5000,
      DATABASE_POOL_SIZE: 5,
    });
  });

  it('names every bad or missing variable in one message', () => {
    const attempt = () =>
      loadSchedulerConfig({ PORT: '0', SPAWN_BATCH_SIZE: '5000', LOG_LEVEL: 'chatty' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL: is required/);
    expect(attempt).toThrow(/PORT: must be a whole number from 1 to 65535/);
    expect(attempt).toThrow(/SPAWN_BATCH_SIZE/);
    expect(attempt).toThrow(/LOG_LEVEL/);
  });

  it('takes a topic namespace of Kafka topic characters, and refuses others', () => {
    expect(loadSchedulerConfig({ ...minimal, TOPIC_NAMESPACE: 'dev' }).TOPIC_NAMESPACE).toBe('dev');
    expect(() => loadSchedulerConfig({ ...minimal, TOPIC_NAMESPACE: 'dev/x' })).toThrow(
      /TOPIC_NAMESPACE: may hold only letters, digits, "\.", "_" and "-"/,
    );
  });

  it('refuses a database URL that is not postgres://', () => {
    expect(() => loadSchedulerConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/postgres:\/\//);
  });
});
