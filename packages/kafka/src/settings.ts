import { readFileSync } from 'node:fs';
import { loadConfig } from '@taskflow/service-kit';
import { z } from 'zod';

export const securityProtocols = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof securityProtocols)[number];
export const saslMechanisms = ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

/** How to reach the brokers, as the seed's KAFKA_* variables say. */
export interface KafkaSettings {
  /** `host:port` of each bootstrap server, in the order given. */
  bootstrapServers: string[];
  securityProtocol: SecurityProtocol;
  /** Set exactly when the protocol is SASL_PLAINTEXT or SASL_SSL. */
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /**
   * Set exactly when the protocol is SSL or SASL_SSL. The broker's certificate is always
   * verified: against `ca` (the PEM text of KAFKA_SSL_CA_FILE) when given, else against the
   * system's trust store (Redpanda Cloud's certificates chain to a public CA).
   */
  tls?: { caFile?: string; ca?: string };
}

const usesSasl = (protocol: unknown) => protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
const usesTls = (protocol: unknown) => protocol === 'SSL' || protocol === 'SASL_SSL';

// `host:port`, the host a name, an IPv4 address or a bracketed IPv6 one.
const hostPort = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

const bootstrapServers = z.string({ error: 'is required' }).transform((value, ctx) => {
  const servers = value
    .split(',')
    .map((server) => server.trim())
    .filter(Boolean);
  const bad = servers.filter((server) => {
    const match = hostPort.exec(server);
    const port = Number(match?.[3]);
    return !match || port < 1 || port > 65535;
  });
  if (servers.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message:
        servers.length === 0
          ? 'must name at least one broker as host:port'
          : `must be a comma-separated list of host:port (not ${bad.map((b) => JSON.stringify(b)).join(', ')})`,
    });
    return z.NEVER;
  }
  return servers;
});

// An empty value (`KAFKA_SASL_USERNAME=` in a compose file or a dashboard) counts as unset.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

// The CA bundle is read here, at startup, so that a wrong path stops the process naming the
// variable, not at the first connection.
const caFile = z.string().transform((path, ctx) => {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    ctx.addIssue({ code: 'custom', message: `cannot read ${path} (${code})` });
    return z.NEVER;
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    ctx.addIssue({ code: 'custom', message: `${path} holds no PEM certificate` });
    return z.NEVER;
  }
  return { path, pem };
});

/** The seed's KAFKA_* variables plus KAFKA_SSL_CA_FILE, with every rule between them. */
export const kafkaEnvSchema = z
  .object({
    KAFKA_BOOTSTRAP_SERVERS: bootstrapServers,
    KAFKA_SECURITY_PROTOCOL: z
      .enum(securityProtocols, { error: `must be one of ${securityProtocols.join(', ')}` })
      .default('PLAINTEXT'),
    KAFKA_SASL_MECHANISM: optional(
      z.enum(saslMechanisms, { error: `must be one of ${saslMechanisms.join(', ')}` }),
    ),
    KAFKA_SASL_USERNAME: optional(z.string()),
    KAFKA_SASL_PASSWORD: optional(z.string()),
    KAFKA_SSL_CA_FILE: optional(caFile),
  })
  // `when`: these run even when a field above is wrong, so the one message lists them too.
  .superRefine(
    (env, ctx) => {
      const protocol = env.KAFKA_SECURITY_PROTOCOL;
      const known = (securityProtocols as readonly unknown[]).includes(protocol);
      const sasl = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const;
      if (usesSasl(protocol)) {
        for (const name of sasl) {
          if (env[name] === undefined) {
            ctx.addIssue({ code: 'custom', path: [name], message: `is required with ${protocol}` });
          }
        }
      } else if (known) {
        // Credentials that would be ignored: most likely KAFKA_SECURITY_PROTOCOL was forgotten.
        for (const name of sasl) {
          if (env[name] !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `is set, but KAFKA_SECURITY_PROTOCOL is ${String(protocol)}, which sends no credentials (SASL_SSL or SASL_PLAINTEXT do)`,
            });
          }
        }
      }
      if (known && !usesTls(protocol) && env.KAFKA_SSL_CA_FILE !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['KAFKA_SSL_CA_FILE'],
          message: `is set, but KAFKA_SECURITY_PROTOCOL is ${String(protocol)}, which uses no TLS (SSL or SASL_SSL do)`,
        });
      }
    },
    { when: () => true },
  );

/**
 * Reads the Kafka settings from the environment. Throws service-kit's ConfigError, naming every
 * bad or missing variable in one message (never a password's value).
 */
export function kafkaSettingsFromEnv(
  env: Record<string, string | undefined> = process.env,
): KafkaSettings {
  const parsed = loadConfig('kafka', kafkaEnvSchema, env);
  const settings: KafkaSettings = {
    bootstrapServers: parsed.KAFKA_BOOTSTRAP_SERVERS,
    securityProtocol: parsed.KAFKA_SECURITY_PROTOCOL,
  };
  if (usesSasl(parsed.KAFKA_SECURITY_PROTOCOL)) {
    // The refinement above made these present.
    settings.sasl = {
      mechanism: parsed.KAFKA_SASL_MECHANISM!,
      username: parsed.KAFKA_SASL_USERNAME!,
      password: parsed.KAFKA_SASL_PASSWORD!,
    };
  }
  if (usesTls(parsed.KAFKA_SECURITY_PROTOCOL)) {
    const ca = parsed.KAFKA_SSL_CA_FILE;
    settings.tls = ca ? { caFile: ca.path, ca: ca.pem } : {};
  }
  return settings;
}
