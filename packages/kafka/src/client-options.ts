import { isIP } from 'node:net';
import type { BaseOptions } from '@platformatic/kafka';
import type { KafkaSettings } from './settings.ts';

/**
 * The settings as @platformatic/kafka's client options, for every client (admin, producer,
 * consumer) this package makes. TLS verifies the broker's certificate and name always:
 * nothing here, nor any variable, turns that off.
 */
export function clientOptions(
  settings: KafkaSettings,
  clientId: string,
): Pick<BaseOptions, 'clientId' | 'bootstrapBrokers' | 'tls' | 'tlsServerName' | 'sasl'> {
  const options: ReturnType<typeof clientOptions> = {
    clientId,
    bootstrapBrokers: settings.bootstrapServers,
  };
  if (settings.tls) {
    options.tls = { rejectUnauthorized: true, ...(settings.tls.ca ? { ca: settings.tls.ca } : {}) };
    // Node sends no SNI unless told, and a managed cluster's shared endpoint (Redpanda Cloud)
    // routes by it. An IP address is not a valid SNI name (RFC 6066), so brokers named by
    // address (the local test broker) go without.
    const named = settings.bootstrapServers.every((server) => isIP(hostOf(server)) === 0);
    if (named) options.tlsServerName = true;
  }
  if (settings.sasl) {
    const { mechanism, username, password } = settings.sasl;
    options.sasl = { mechanism, username, password };
  }
  return options;
}

/** The host of `host:port`, without the brackets of an IPv6 address. */
function hostOf(server: string): string {
  return server.slice(0, server.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
}
