import type { IncomingHttpHeaders } from 'node:http';

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The request headers to send upstream: end-to-end ones, the upstream's host, X-Forwarded-*. */
export function forwardedHeaders(
  headers: IncomingHttpHeaders,
  upstream: URL,
  client: { address: string | undefined; host: string | undefined },
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'host') continue;
    out[name] = value;
  }
  out.host = upstream.host;
  out['x-forwarded-for'] = [headers['x-forwarded-for'], client.address].filter(Boolean).join(', ');
  if (client.host) out['x-forwarded-host'] = client.host;
  out['x-forwarded-proto'] = 'http';
  return out;
}

/** The response headers to pass back to the browser. */
export function returnedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}
