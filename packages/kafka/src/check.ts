import { Admin } from '@platformatic/kafka';
import { clientOptions } from './client-options.ts';
import type { KafkaSettings } from './settings.ts';

/**
 * Why the brokers could not be used, from the most specific cause found:
 * - `untrusted-certificate`: the broker's TLS certificate does not verify (unknown CA, wrong
 *   name, expired);
 * - `tls`: TLS and the listener disagree (a TLS handshake the port does not answer, a plain
 *   client on a TLS port) or the handshake fails otherwise;
 * - `authentication`: the broker refused the SASL credentials or mechanism;
 * - `unreachable`: no broker answered (refused, unknown host, timed out).
 */
export type KafkaConnectionFailure =
  'authentication' | 'untrusted-certificate' | 'tls' | 'unreachable';

/** Thrown by checkConnection; its message is meant for an operator and never holds a password. */
export class KafkaConnectionError extends Error {
  override name = 'KafkaConnectionError';
  readonly reason: KafkaConnectionFailure;
  constructor(reason: KafkaConnectionFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export interface KafkaCluster {
  clusterId: string;
  /** `host:port` of every broker the cluster advertises to this client. */
  brokers: string[];
}

/**
 * Connects as the settings say and fetches the cluster's metadata, within `timeoutMs`: the
 * startup check that turns a wrong password or an untrusted certificate into one clear error.
 */
export async function checkConnection(
  settings: KafkaSettings,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<KafkaCluster> {
  const admin = new Admin({
    ...clientOptions(settings, 'taskflow-connection-check'),
    connectTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    // One attempt: a startup check should say what is wrong now, not retry into a timeout.
    retries: 0,
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
  });
  try {
    const metadata = await Promise.race([admin.metadata({ topics: [] }), deadline]);
    return {
      clusterId: metadata.id,
      brokers: [...metadata.brokers.values()].map(({ host, port }) => `${host}:${port}`),
    };
  } catch (error) {
    throw connectionError(settings, error);
  } finally {
    clearTimeout(timer);
    await admin.close().catch(() => undefined);
  }
}

// Node's codes for a certificate that does not verify (X509_V_ERR_* and the name check).
const untrustedCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'PLT_KFK_TIMEOUT',
]);

interface Found {
  reason: KafkaConnectionFailure;
  detail: string;
}

/** Every error in the tree the client reports: causes, and each broker's of a MultipleErrors. */
function* errorsIn(error: unknown, depth = 0): Generator<Error & { code?: unknown }> {
  if (!(error instanceof Error) || depth > 10) return;
  yield error;
  if (error instanceof AggregateError)
    for (const inner of error.errors) yield* errorsIn(inner, depth + 1);
  yield* errorsIn(error.cause, depth + 1);
}

/** The most specific cause: a certificate over a handshake over credentials over the network. */
function classify(error: unknown): Found {
  const all = [...errorsIn(error)];
  const code = (e: { code?: unknown }) => (typeof e.code === 'string' ? e.code : '');
  const certificate = all.find((e) => untrustedCodes.has(code(e)));
  if (certificate) return { reason: 'untrusted-certificate', detail: certificate.message };
  const handshake = all.find(
    (e) =>
      code(e).startsWith('ERR_SSL_') ||
      code(e) === 'EPROTO' ||
      /TLS handshake failed|Broker requires TLS/.test(e.message),
  );
  if (handshake) return { reason: 'tls', detail: deepest(handshake) };
  const auth = all.find((e) => code(e) === 'PLT_KFK_AUTHENTICATION');
  if (auth) {
    // A TLS listener closes the connection on a client that speaks SASL in the clear: the
    // client sees the handshake end, not a refusal.
    const closed = [...errorsIn(auth.cause)].some((e) => /Connection closed/.test(e.message));
    if (closed) {
      return {
        reason: 'tls',
        detail: 'the broker closed the connection during the SASL handshake',
      };
    }
    return { reason: 'authentication', detail: deepest(auth) };
  }
  const network = all.find((e) => unreachableCodes.has(code(e)));
  return { reason: 'unreachable', detail: network ? network.message : deepest(error) };
}

/** The innermost message: the client's outer ones ("Cannot connect to any broker") say little. */
function deepest(error: unknown): string {
  const all = [...errorsIn(error)];
  return all.at(-1)?.message ?? String(error);
}

function connectionError(settings: KafkaSettings, error: unknown): KafkaConnectionError {
  const { reason, detail } = classify(error);
  const { securityProtocol: protocol, sasl, tls } = settings;
  const how = [protocol, sasl && `${sasl.mechanism} as user "${sasl.username}"`]
    .filter(Boolean)
    .join(', ');
  const where = `Kafka at ${settings.bootstrapServers.join(',')} (${how})`;
  const advice: Record<KafkaConnectionFailure, string> = {
    'untrusted-certificate': tls?.caFile
      ? `the broker's TLS certificate does not verify against KAFKA_SSL_CA_FILE (${tls.caFile})`
      : `the broker's TLS certificate does not verify against the system's trust store; for a private CA, set KAFKA_SSL_CA_FILE to its PEM bundle`,
    tls:
      protocol === 'SSL' || protocol === 'SASL_SSL'
        ? `TLS failed: check that KAFKA_BOOTSTRAP_SERVERS names the TLS listener, or that KAFKA_SECURITY_PROTOCOL (${protocol}) is right`
        : `the listener expects TLS: set KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL`,
    authentication: `the broker refused the credentials: check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM${sasl ? '' : ' (none are sent with ' + protocol + ')'}`,
    unreachable: `no broker answered: check KAFKA_BOOTSTRAP_SERVERS and the network`,
  };
  let message = `cannot connect to ${where}: ${advice[reason]} (${detail.replace(/\.$/, '')})`;
  // The client's messages never carry the password; this keeps it so whatever they become.
  if (sasl && sasl.password.length > 0) message = message.split(sasl.password).join('***');
  return new KafkaConnectionError(reason, message, { cause: error });
}
