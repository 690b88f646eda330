// One HTTP request to a user-given URL that connects only to addresses the policy allows.
//
// The name is resolved once, here; every address it resolves to is checked, and the socket is
// then opened with a `lookup` that answers only those checked addresses. So the connection
// cannot go anywhere the check did not see, whatever the name resolves to a moment later (DNS
// rebinding). TLS still names the host (SNI, certificate check) and so does the Host header:
// to the receiver it is an ordinary request to its name.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { AddressPolicy } from './policy.ts';
import { checkUrl, type RefusalCode } from './url.ts';

/** One resolved address, as node's dns.lookup gives it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses. The default is node's dns.lookup (all, verbatim). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface DestinationOptions {
  /** http: as well as https: (the services pass `ENVIRONMENT === 'local'`). */
  allowHttp?: boolean;
  /** How names are resolved; tests inject one. Default: the system resolver (getaddrinfo). */
  lookup?: Resolver;
  /** Default `AddressPolicy.standard`; another comes only from `@taskflow/outbound/testing`. */
  policy?: AddressPolicy;
}

export interface DeliveryRequest extends DestinationOptions {
  url: string;
  method?: 'POST' | 'PUT' | 'PATCH' | 'GET' | 'DELETE';
  /** Sent as given, except those this module sets itself (HOP_BY_HOP below, host, length). */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** For the whole request: lookup, connect, TLS, waiting for and reading the response. */
  timeoutMs: number;
  /** Most bytes of the response body read; past them the connection is closed. Default 16 KiB. */
  maxResponseBytes?: number;
  /** Extra trusted CA certificates (PEM), for a test's own TLS receiver. */
  ca?: string | readonly string[];
}

export type DeliveryOutcome =
  | {
      kind: 'response';
      /** Any status, 3xx included: a redirect is reported, never followed. */
      status: number;
      headers: http.IncomingHttpHeaders;
      /** The body as UTF-8, at most maxResponseBytes of it. */
      bodyPreview: string;
      /** True when the body was longer than maxResponseBytes and the rest was not read. */
      truncated: boolean;
      /** The address the request was sent to. */
      address: string;
    }
  | { kind: 'refused'; code: RefusalCode; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'network'; code: string | undefined; message: string };

export type DestinationCheck =
  | { ok: true; url: URL; host: string; port: number; addresses: ResolvedAddress[] }
  | { ok: false; code: RefusalCode; reason: string };

export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024;
/** node's default; set here so that it is a stated limit, not an inherited one. */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Headers the caller may not set: the connection is this module's (one request, then closed),
 * the length is the body's, and Host is the URL's host (a different Host would reach another
 * site on the same address under a name the check never saw).
 */
const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
]);

const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, order: 'verbatim' })) as ResolvedAddress[];

function checkPolicy(policy: AddressPolicy | undefined): AddressPolicy {
  // A look-alike object could allow anything; only this package's policies are accepted.
  if (policy !== undefined && !(policy instanceof AddressPolicy)) {
    throw new TypeError('policy must be an AddressPolicy (AddressPolicy.standard)');
  }
  return policy ?? AddressPolicy.standard;
}

/**
 * The URL checked, its host resolved once, and every address checked: what `deliver` does before
 * it connects, for a route that refuses a webhook URL when it is registered. A name with any
 * forbidden address is refused (a record set of one public and one private address would let
 * the connection pick the private one).
 */
export async function checkDestination(
  url: string,
  options: DestinationOptions = {},
): Promise<DestinationCheck> {
  const policy = checkPolicy(options.policy);
  const checked = checkUrl(url, { allowHttp: options.allowHttp ?? false, policy });
  if (!checked.ok) return checked;
  const { host, port } = checked;
  let addresses: ResolvedAddress[];
  if (checked.literal) {
    addresses = [{ address: host, family: isIP(host) as 4 | 6 }];
  } else {
    try {
      addresses = await (options.lookup ?? systemResolver)(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return {
        ok: false,
        code: 'no_address',
        reason: `${host} does not resolve (${code ?? error})`,
      };
    }
  }
  if (addresses.length === 0) {
    return { ok: false, code: 'no_address', reason: `${host} resolves to no address` };
  }
  for (const { address } of addresses) {
    const verdict = policy.check(address);
    if (!verdict.ok) {
      return {
        ok: false,
        code: 'forbidden_address',
        reason: checked.literal
          ? verdict.reason
          : `${host} resolves to a forbidden address: ${verdict.reason}`,
      };
    }
  }
  return { ok: true, url: checked.url, host, port, addresses };
}

/** A `lookup` for net.connect that answers the checked addresses only, whatever it is asked. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    // With autoSelectFamily (node's default) net asks for all addresses and tries them in turn.
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

class Deadline {
  readonly controller = new AbortController();
  readonly ms: number;
  readonly #timer: NodeJS.Timeout;
  constructor(ms: number) {
    this.ms = ms;
    this.#timer = setTimeout(() => this.controller.abort(), ms);
  }
  get expired(): boolean {
    return this.controller.signal.aborted;
  }
  /** Settles with PROMISE, or with 'timeout' when the deadline passes first. */
  race<T>(promise: Promise<T>): Promise<T | 'timeout'> {
    if (this.expired) return Promise.resolve('timeout');
    return new Promise((resolve, reject) => {
      const onAbort = () => resolve('timeout');
      this.controller.signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => {
        this.controller.signal.removeEventListener('abort', onAbort);
      });
    });
  }
  clear(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * Sends one request: refuses before any connection when the URL or any resolved address is
 * refused, connects only to the checked addresses, follows no redirect, gives up at timeoutMs
 * and reads at most maxResponseBytes of the answer. Never throws for what the network or the
 * receiver does; throws only for a programming error (a timeout that is not a positive number).
 */
export async function deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
  if (!(request.timeoutMs > 0)) throw new RangeError('timeoutMs must be a positive number');
  const deadline = new Deadline(request.timeoutMs);
  try {
    const destination = await deadline.race(checkDestination(request.url, request));
    if (destination === 'timeout') return { kind: 'timeout', timeoutMs: request.timeoutMs };
    if (!destination.ok)
      return { kind: 'refused', code: destination.code, reason: destination.reason };
    return await send(request, destination, deadline);
  } finally {
    deadline.clear();
  }
}

function send(
  request: DeliveryRequest,
  destination: Extract<DestinationCheck, { ok: true }>,
  deadline: Deadline,
): Promise<DeliveryOutcome> {
  const { url, host, port, addresses } = destination;
  const secure = url.protocol === 'https:';
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers: Record<string, string> = { 'user-agent': 'taskflow-outbound' };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  headers['content-length'] = String(body?.length ?? 0);
  headers.connection = 'close';
  const limit = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const options: https.RequestOptions = {
    method: request.method ?? 'POST',
    host,
    port,
    path: `${url.pathname}${url.search}`,
    headers,
    // A fresh agent: no pooled socket (opened for another check) is reused, and no proxy
    // settings apply, since a proxy would resolve the name itself.
    agent: secure ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false }),
    lookup: pinnedLookup(addresses),
    signal: deadline.controller.signal,
    maxHeaderSize: MAX_HEADER_BYTES,
    ...(secure && isIP(host) === 0 ? { servername: host } : {}),
    ...(secure && request.ca !== undefined ? { ca: request.ca as string | string[] } : {}),
  };
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: DeliveryOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const failed = (error: NodeJS.ErrnoException) =>
      settle(
        deadline.expired
          ? { kind: 'timeout', timeoutMs: deadline.ms }
          : { kind: 'network', code: error.code, message: error.message },
      );
    const outgoing = (secure ? https : http).request(options, (response) => {
      const address = response.socket.remoteAddress ?? addresses[0]!.address;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = () =>
        settle({
          kind: 'response',
          status: response.statusCode ?? 0,
          headers: response.headers,
          bodyPreview: Buffer.concat(chunks).toString('utf8'),
          truncated,
          address,
        });
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = limit - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size = limit;
          truncated = true;
          done();
          response.destroy(); // the rest is not read: the socket closes
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', done);
      response.on('error', failed);
      // A connection cut mid-body closes the response without 'end' (no settle above).
      response.on('close', () => {
        if (!response.complete)
          failed(new Error('the connection closed before the response ended'));
      });
    });
    outgoing.on('error', failed);
    outgoing.end(body);
  });
}
