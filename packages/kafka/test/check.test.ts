import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  checkConnection,
  KafkaConnectionError,
  kafkaSettingsFromEnv,
  type KafkaConnectionFailure,
} from '../src/index.ts';
import { PLAINTEXT, saslEnv, saslListener } from './harness.ts';

// The local test broker (scripts/provision/kafka.sh), PLAINTEXT and SASL_SSL (harness.ts).

async function refusal(env: Record<string, string | undefined>, timeoutMs = 10_000) {
  const error = await checkConnection(kafkaSettingsFromEnv(env), { timeoutMs }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof KafkaConnectionError)) {
    throw new Error(`expected a KafkaConnectionError, got ${String(error)}`);
  }
  return error;
}

/** A port on which nothing listens: taken from the kernel, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('checkConnection against the local broker', () => {
  it('connects over PLAINTEXT and fetches the metadata', async () => {
    const cluster = await checkConnection(
      kafkaSettingsFromEnv({ KAFKA_BOOTSTRAP_SERVERS: PLAINTEXT }),
    );
    expect(cluster.clusterId).toMatch(/\S/);
    expect(cluster.brokers).toContain(PLAINTEXT);
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'])(
    'connects over SASL_SSL with %s, trusting the test CA from KAFKA_SSL_CA_FILE',
    async (mechanism) => {
      const cluster = await checkConnection(
        kafkaSettingsFromEnv(saslEnv({ KAFKA_SASL_MECHANISM: mechanism })),
      );
      // The metadata came through the SASL_SSL listener: it advertises itself.
      expect(cluster.brokers).toContain(saslListener().brokers);
    },
  );

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'])(
    'refuses a wrong password with %s as authentication, naming servers and mechanism, never the password',
    async (mechanism) => {
      const password = 'wrong-password-0f3a';
      const error = await refusal(
        saslEnv({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_PASSWORD: password }),
      );
      expect(error.reason).toBe<KafkaConnectionFailure>('authentication');
      expect(error.message).toContain(saslListener().brokers);
      expect(error.message).toContain(mechanism);
      expect(error.message).toContain('KAFKA_SASL_PASSWORD');
      expect(error.message).not.toContain(password);
      expect(error.message).not.toContain(saslListener().password);
    },
  );

  it('refuses a user the broker does not know as authentication', async () => {
    const error = await refusal(saslEnv({ KAFKA_SASL_USERNAME: 'nobody-here' }));
    expect(error.reason).toBe('authentication');
    expect(error.message).toContain('"nobody-here"');
  });

  it('refuses the self-signed broker against the system trust store (no CA file) as untrusted-certificate', async () => {
    const error = await refusal(saslEnv({ KAFKA_SSL_CA_FILE: undefined }));
    expect(error.reason).toBe<KafkaConnectionFailure>('untrusted-certificate');
    expect(error.message).toContain('KAFKA_SSL_CA_FILE');
    expect(error.message).toContain(saslListener().brokers);
  });

  it('calls a plain client on the TLS listener, and TLS on the plain one, tls', async () => {
    const plainOnTls = await refusal({
      KAFKA_BOOTSTRAP_SERVERS: saslListener().brokers,
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: saslListener().username,
      KAFKA_SASL_PASSWORD: saslListener().password,
    });
    expect(plainOnTls.reason).toBe<KafkaConnectionFailure>('tls');
    expect(plainOnTls.message).toContain('set KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL');
    const tlsOnPlain = await refusal(saslEnv({ KAFKA_BOOTSTRAP_SERVERS: PLAINTEXT }));
    expect(tlsOnPlain.reason).toBe<KafkaConnectionFailure>('tls');
  });

  it('calls a port where no broker listens unreachable, at once', async () => {
    const port = await deadPort();
    const started = Date.now();
    const error = await refusal({ KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${port}` });
    expect(error.reason).toBe<KafkaConnectionFailure>('unreachable');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('KAFKA_BOOTSTRAP_SERVERS');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('calls a broker that never answers unreachable once the timeout is up', async () => {
    // Accepts the connection and says nothing, as a black-holed port behind a proxy would.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const error = await refusal({ KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${port}` }, 1_000);
      expect(error.reason).toBe<KafkaConnectionFailure>('unreachable');
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
