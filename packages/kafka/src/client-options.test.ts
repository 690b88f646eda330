import { describe, expect, it } from 'vitest';
import { clientOptions } from './client-options.ts';

describe('clientOptions', () => {
  it('PLAINTEXT: the servers only, no TLS, no SASL', () => {
    expect(
      clientOptions({ bootstrapServers: ['a:9092'], securityProtocol: 'PLAINTEXT' }, 'c'),
    ).toEqual({
      clientId: 'c',
      bootstrapBrokers: ['a:9092'],
    });
  });

  it('SASL_SSL: verifies the certificate, trusts the CA given, sends SNI to named brokers', () => {
    const options = clientOptions(
      {
        bootstrapServers: ['seed-1.cloud.example:9092', 'seed-2.cloud.example:9092'],
        securityProtocol: 'SASL_SSL',
        sasl: { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' },
        tls: { caFile: '/ca.pem', ca: 'PEM' },
      },
      'c',
    );
    expect(options.tls).toEqual({ rejectUnauthorized: true, ca: 'PEM' });
    expect(options.tlsServerName).toBe(true);
    expect(options.sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' });
  });

  it('SSL without a CA file: the system trust store, verification still on', () => {
    const options = clientOptions(
      { bootstrapServers: ['b:9093'], securityProtocol: 'SSL', tls: {} },
      'c',
    );
    expect(options.tls).toEqual({ rejectUnauthorized: true });
    expect(options.sasl).toBeUndefined();
  });

  it('sends no SNI when a broker is named by address, which SNI cannot carry', () => {
    for (const server of ['127.0.0.1:9094', '[::1]:9094']) {
      const options = clientOptions(
        { bootstrapServers: ['named.example:9094', server], securityProtocol: 'SSL', tls: {} },
        'c',
      );
      expect(options.tlsServerName).toBeUndefined();
    }
  });
});
