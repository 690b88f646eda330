import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@taskflow/service-kit';
import { kafkaSettingsFromEnv } from './settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafka-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, PEM);
const notPem = join(dir, 'not.pem');
writeFileSync(notPem, 'hello');

// The seed's Cloud Simple block, as written there.
const seed = {
  KAFKA_BOOTSTRAP_SERVERS: 'my-cluster.cloud.redpanda.com:9092',
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
  KAFKA_SASL_USERNAME: 'taskflow',
  KAFKA_SASL_PASSWORD: 's3cret-Pa55',
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
};

/** The problems of a refused environment, one `NAME: reason` per line. */
function problems(env: Record<string, string | undefined>): string[] {
  try {
    kafkaSettingsFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const [head, ...lines] = (error as Error).message.split('\n');
    expect(head).toBe('kafka: invalid environment');
    return lines.map((line) => line.trim());
  }
  throw new Error('the environment was accepted');
}

describe('kafkaSettingsFromEnv', () => {
  it("reads the seed's Cloud Simple variables: SASL_SSL, SCRAM-SHA-256, the system trust store", () => {
    expect(kafkaSettingsFromEnv(seed)).toEqual({
      bootstrapServers: ['my-cluster.cloud.redpanda.com:9092'],
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'taskflow', password: 's3cret-Pa55' },
      tls: {},
    });
  });

  it('defaults to PLAINTEXT, as Kafka does, and splits a list of servers', () => {
    expect(
      kafkaSettingsFromEnv({ KAFKA_BOOTSTRAP_SERVERS: ' a:9092, 10.0.0.2:9093 ,[::1]:9094' }),
    ).toEqual({
      bootstrapServers: ['a:9092', '10.0.0.2:9093', '[::1]:9094'],
      securityProtocol: 'PLAINTEXT',
    });
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'])('accepts the mechanism %s', (mechanism) => {
    const settings = kafkaSettingsFromEnv({ ...seed, KAFKA_SASL_MECHANISM: mechanism });
    expect(settings.sasl?.mechanism).toBe(mechanism);
  });

  it('SASL_PLAINTEXT sends credentials without TLS; SSL uses TLS without credentials', () => {
    const sasl = kafkaSettingsFromEnv({ ...seed, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' });
    expect(sasl.tls).toBeUndefined();
    expect(sasl.sasl?.username).toBe('taskflow');
    const ssl = kafkaSettingsFromEnv({
      KAFKA_BOOTSTRAP_SERVERS: 'b:9093',
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SSL_CA_FILE: caFile,
    });
    expect(ssl).toEqual({
      bootstrapServers: ['b:9093'],
      securityProtocol: 'SSL',
      tls: { caFile, ca: PEM },
    });
  });

  it('reads the CA bundle of KAFKA_SSL_CA_FILE', () => {
    expect(kafkaSettingsFromEnv({ ...seed, KAFKA_SSL_CA_FILE: caFile }).tls).toEqual({
      caFile,
      ca: PEM,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(
      kafkaSettingsFromEnv({
        KAFKA_BOOTSTRAP_SERVERS: 'a:9092',
        KAFKA_SASL_USERNAME: '',
        KAFKA_SASL_PASSWORD: '',
        KAFKA_SSL_CA_FILE: '',
      }),
    ).toEqual({ bootstrapServers: ['a:9092'], securityProtocol: 'PLAINTEXT' });
  });

  it('names a missing KAFKA_BOOTSTRAP_SERVERS', () => {
    expect(problems({})).toEqual(['KAFKA_BOOTSTRAP_SERVERS: is required']);
    expect(problems({ KAFKA_BOOTSTRAP_SERVERS: ' , ' })).toEqual([
      'KAFKA_BOOTSTRAP_SERVERS: must name at least one broker as host:port',
    ]);
  });

  it('names each server that is not host:port', () => {
    expect(problems({ KAFKA_BOOTSTRAP_SERVERS: 'a:9092,b,c:99999,http://d:9092' })).toEqual([
      'KAFKA_BOOTSTRAP_SERVERS: must be a comma-separated list of host:port (not "b", "c:99999", "http://d:9092")',
    ]);
  });

  it('names an unknown protocol or mechanism', () => {
    expect(problems({ ...seed, KAFKA_SECURITY_PROTOCOL: 'TLS' })).toEqual([
      'KAFKA_SECURITY_PROTOCOL: must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
    ]);
    expect(problems({ ...seed, KAFKA_SASL_MECHANISM: 'SHA-256' })).toEqual([
      'KAFKA_SASL_MECHANISM: must be one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN',
    ]);
  });

  it('names every SASL variable a SASL protocol is missing, in one message', () => {
    expect(
      problems({ KAFKA_BOOTSTRAP_SERVERS: 'a:9092', KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }),
    ).toEqual([
      'KAFKA_SASL_MECHANISM: is required with SASL_SSL',
      'KAFKA_SASL_USERNAME: is required with SASL_SSL',
      'KAFKA_SASL_PASSWORD: is required with SASL_SSL',
    ]);
    const { KAFKA_SASL_USERNAME: _username, ...withoutUsername } = seed;
    expect(problems({ ...withoutUsername, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' })).toEqual([
      'KAFKA_SASL_USERNAME: is required with SASL_PLAINTEXT',
    ]);
  });

  it('refuses credentials that a protocol without SASL would silently ignore', () => {
    const { KAFKA_SECURITY_PROTOCOL: _protocol, ...forgotten } = seed;
    expect(problems(forgotten)).toEqual([
      'KAFKA_SASL_MECHANISM: is set, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT, which sends no credentials (SASL_SSL or SASL_PLAINTEXT do)',
      'KAFKA_SASL_USERNAME: is set, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT, which sends no credentials (SASL_SSL or SASL_PLAINTEXT do)',
      'KAFKA_SASL_PASSWORD: is set, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT, which sends no credentials (SASL_SSL or SASL_PLAINTEXT do)',
    ]);
  });

  it('refuses a CA file that a protocol without TLS would silently ignore', () => {
    expect(
      problems({ ...seed, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SSL_CA_FILE: caFile }),
    ).toEqual([
      'KAFKA_SSL_CA_FILE: is set, but KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT, which uses no TLS (SSL or SASL_SSL do)',
    ]);
  });

  it('names a CA file that cannot be read or holds no certificate', () => {
    const missing = join(dir, 'missing.pem');
    expect(problems({ ...seed, KAFKA_SSL_CA_FILE: missing })).toEqual([
      `KAFKA_SSL_CA_FILE: cannot read ${missing} (ENOENT)`,
    ]);
    expect(problems({ ...seed, KAFKA_SSL_CA_FILE: notPem })).toEqual([
      `KAFKA_SSL_CA_FILE: ${notPem} holds no PEM certificate`,
    ]);
  });

  it('lists every problem at once, and never the password', () => {
    const lines = problems({
      KAFKA_BOOTSTRAP_SERVERS: 'nope',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'GSSAPI',
      KAFKA_SASL_PASSWORD: 's3cret-Pa55',
    });
    expect(lines.map((line) => line.split(':')[0])).toEqual([
      'KAFKA_BOOTSTRAP_SERVERS',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
    ]);
    expect(lines.join('\n')).not.toContain('s3cret-Pa55');
  });
});
