import { describe, expect, it } from 'vitest';
import { loadTaskApiConfig } from './config.ts';

const valid = {
  DATABASE_URL: 'postgres://u:p@localhost:5432/db',
  AUTH_JWT_SECRET: 's'.repeat(32),
};

describe('task-api config', () => {
  it('applies defaults', () => {
    expect(loadTaskApiConfig(valid)).toMatchObject({ PORT: 8000, LOG_LEVEL: 'info' });
  });

  it('names every bad or missing variable in one message', () => {
    expect(() => loadTaskApiConfig({ PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrowError(
      /^task-api: invalid environment\n/,
    );
    let message = '';
    try {
      loadTaskApiConfig({ PORT: 'eighty', LOG_LEVEL: 'loud' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DATABASE_URL: is required');
    expect(message).toContain('PORT: must be a whole number from 1 to 65535');
    expect(message).toContain('LOG_LEVEL:');
  });

  it('requires exactly one identity source', () => {
    expect(() => loadTaskApiConfig({ DATABASE_URL: valid.DATABASE_URL })).toThrowError(
      /AUTH_JWT_SECRET/,
    );
    expect(() =>
      loadTaskApiConfig({ ...valid, AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json' }),
    ).toThrowError(/exactly one/);
    expect(() => loadTaskApiConfig({ ...valid, AUTH_JWT_SECRET: 'short' })).toThrowError(/32/);
  });

  it('refuses a database URL that is not postgres', () => {
    expect(() => loadTaskApiConfig({ ...valid, DATABASE_URL: 'mysql://x' })).toThrowError(
      /postgres/,
    );
  });

  it('reads the rate limits and the trusted proxies, and names bad ones', () => {
    expect(loadTaskApiConfig(valid)).toMatchObject({
      RATE_LIMIT_USER: 3000,
      RATE_LIMIT_ADDRESS: 12_000,
      RATE_LIMIT_WINDOW_SECONDS: 60,
      RATE_LIMIT_SYNC_MS: 250,
      RATE_LIMIT_STATE_STORE: 'taskflow-state',
      TRUST_PROXY: undefined,
    });
    expect(
      loadTaskApiConfig({ ...valid, RATE_LIMIT_USER: '0', TRUST_PROXY: 'uniquelocal, 192.0.2.1' }),
    ).toMatchObject({ RATE_LIMIT_USER: 0, TRUST_PROXY: 'uniquelocal, 192.0.2.1' });
    const bad = {
      ...valid,
      RATE_LIMIT_USER: '-1',
      RATE_LIMIT_WINDOW_SECONDS: '0',
      RATE_LIMIT_SYNC_MS: 'often',
      TRUST_PROXY: 'every$one',
    };
    expect(() => loadTaskApiConfig(bad)).toThrowError(
      /RATE_LIMIT_USER: must be a whole number >= 0 \(0 turns the limit off\)/,
    );
    for (const name of ['RATE_LIMIT_WINDOW_SECONDS', 'RATE_LIMIT_SYNC_MS', 'TRUST_PROXY']) {
      expect(() => loadTaskApiConfig(bad)).toThrowError(new RegExp(`${name}: must be`));
    }
  });
});
