// deliver() against real local servers: what it refuses never reaches a socket, what a test
// allows is reached by name with the address pinned, and no redirect, slow server or large
// answer gets more than the request's limits.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  checkDestination,
  deliver,
  DELIVERY_ID_HEADER,
  type DeliveryRequest,
  type Resolver,
  SIGNATURE_HEADER,
  sign,
  verify,
} from '../src/index.ts';
import { allowForTests } from '../src/testing.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  servername?: string | false | null;
}

interface Receiver {
  port: number;
  /** TCP connections accepted: 0 proves nothing reached the server at all. */
  connections: number;
  requests: Seen[];
  close(): Promise<void>;
}

type Handler = (request: http.IncomingMessage, response: http.ServerResponse, body: string) => void;

const servers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A real HTTP (or HTTPS) server on HOST, recording every connection and request. */
async function receiver(
  handler: Handler = (_request, response) => response.writeHead(204).end(),
  { host = '127.0.0.1', tls }: { host?: string; tls?: { key: string; cert: string } } = {},
): Promise<Receiver> {
  const requests: Seen[] = [];
  const listener: http.RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
        servername: tls ? (request.socket as TLSSocket).servername : undefined,
      });
      handler(request, response, body);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  const state: Receiver = {
    port: 0,
    connections: 0,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on(tls ? 'secureConnection' : 'connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  state.port = (server.address() as AddressInfo).port;
  servers.push(state);
  return state;
}

/** A resolver that answers from a table and counts its calls, as DNS would with these records. */
function resolverOf(records: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const addresses = records[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({
      address,
      family: address.includes(':') ? (6 as const) : (4 as const),
    }));
  };
  return Object.assign(resolve, { calls });
}

const loopbackAllowed = allowForTests(['127.0.0.1']);

/** deliver() to http://127.0.0.1:PORT/ under the loopback allowance, with a 2 s limit. */
const toLoopback = (port: number, more: Partial<DeliveryRequest> = {}) =>
  deliver({
    url: `http://127.0.0.1:${port}/`,
    allowHttp: true,
    policy: loopbackAllowed,
    timeoutMs: 2_000,
    ...more,
  });

describe('deliver: refused before any connection', () => {
  it('a URL to 127.0.0.1: the server sees nothing', async () => {
    const server = await receiver();
    const outcome = await deliver({
      url: `http://127.0.0.1:${server.port}/hook`,
      allowHttp: true,
      timeoutMs: 2_000,
    });
    expect(outcome).toEqual({
      kind: 'refused',
      code: 'forbidden_address',
      reason: '127.0.0.1 is loopback, 127.0.0.0/8',
    });
    expect(server.connections).toBe(0);
  });

  it('a URL to [::1] and to ::ffff:127.0.0.1', async () => {
    const server = await receiver();
    for (const url of [
      `http://[::1]:${server.port}/`,
      `http://[::ffff:127.0.0.1]:${server.port}/`,
    ]) {
      expect(await deliver({ url, allowHttp: true, timeoutMs: 2_000 })).toMatchObject({
        kind: 'refused',
        code: 'forbidden_address',
      });
    }
    expect(server.connections).toBe(0);
  });

  it('localhost, through the system resolver', async () => {
    const server = await receiver();
    const outcome = await deliver({
      url: `http://localhost:${server.port}/`,
      allowHttp: true,
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'forbidden_address' });
    expect(outcome.kind === 'refused' && outcome.reason).toMatch(
      /^localhost resolves to a forbidden address: (127\.0\.0\.1|::1) is loopback/,
    );
    expect(server.connections).toBe(0);
  });

  it('a name that resolves to loopback, or to a public and a loopback address', async () => {
    const server = await receiver();
    const lookup = resolverOf({
      'hooks.example.com': ['127.0.0.1'],
      'mixed.example.com': ['93.184.215.14', '127.0.0.1'],
      'metadata.example.com': ['169.254.169.254'],
      'v6.example.com': ['2606:4700:4700::1111', 'fd00::1'],
    });
    for (const host of [
      'hooks.example.com',
      'mixed.example.com',
      'metadata.example.com',
      'v6.example.com',
    ]) {
      const outcome = await deliver({
        url: `http://${host}:${server.port}/`,
        allowHttp: true,
        lookup,
        timeoutMs: 2_000,
      });
      expect(outcome).toMatchObject({ kind: 'refused', code: 'forbidden_address' });
      expect(outcome.kind === 'refused' && outcome.reason).toMatch(
        new RegExp(`^${host.replaceAll('.', '\\.')} resolves to `),
      );
    }
    expect(server.connections).toBe(0);
  });

  it('http: outside ENVIRONMENT=local (allowHttp not given), even to an allowed address', async () => {
    const server = await receiver();
    const outcome = await deliver({
      url: `http://127.0.0.1:${server.port}/`,
      policy: loopbackAllowed,
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'scheme' });
    expect(server.connections).toBe(0);
  });

  it('a name that does not resolve', async () => {
    const outcome = await deliver({
      url: 'https://nowhere.example.com/',
      lookup: resolverOf({}),
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({
      kind: 'refused',
      code: 'no_address',
      reason: 'nowhere.example.com does not resolve (ENOTFOUND)',
    });
  });

  it('a policy that is not one of the package (a look-alike object) is a programming error', async () => {
    const policy = { check: () => ({ ok: true }) } as never;
    await expect(deliver({ url: 'https://127.0.0.1/', policy, timeoutMs: 1_000 })).rejects.toThrow(
      /must be an AddressPolicy/,
    );
  });
});

describe('deliver: a local receiver, reached only under a test allowance', () => {
  it('by name, with the Host header as the name and the address as checked', async () => {
    const server = await receiver((_request, response) =>
      response.writeHead(202, { 'x-receiver': 'yes' }).end('accepted'),
    );
    const lookup = resolverOf({ 'receiver.test': ['127.0.0.1'] });
    const outcome = await deliver({
      url: `http://receiver.test:${server.port}/hooks/taskflow?channel=c1`,
      method: 'POST',
      headers: { 'content-type': 'application/json', Host: 'evil.internal', 'X-Custom': 'kept' },
      body: '{"hello":"world"}',
      allowHttp: true,
      lookup,
      policy: loopbackAllowed,
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({
      kind: 'response',
      status: 202,
      bodyPreview: 'accepted',
      truncated: false,
      address: '127.0.0.1',
    });
    expect(outcome.kind === 'response' && outcome.headers['x-receiver']).toBe('yes');
    expect(server.requests).toHaveLength(1);
    const [seen] = server.requests;
    expect(seen).toMatchObject({
      method: 'POST',
      url: '/hooks/taskflow?channel=c1',
      body: '{"hello":"world"}',
    });
    // The caller's Host is dropped: the request names the host that was checked.
    expect(seen!.headers.host).toBe(`receiver.test:${server.port}`);
    expect(seen!.headers['x-custom']).toBe('kept');
    expect(seen!.headers['content-length']).toBe('17');
    expect(lookup.calls).toEqual(['receiver.test']);
  });

  it('the same URL without the allowance is refused', async () => {
    const server = await receiver();
    const lookup = resolverOf({ 'receiver.test': ['127.0.0.1'] });
    const outcome = await deliver({
      url: `http://receiver.test:${server.port}/`,
      allowHttp: true,
      lookup,
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'forbidden_address' });
    expect(server.connections).toBe(0);
  });

  it('an allowance for 127.0.0.1 does not reach 127.0.0.2', async () => {
    const other = await receiver(undefined, { host: '127.0.0.2' });
    const outcome = await deliver({
      url: `http://127.0.0.2:${other.port}/`,
      allowHttp: true,
      policy: loopbackAllowed,
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({ kind: 'refused', code: 'forbidden_address' });
    expect(other.connections).toBe(0);
  });

  it('resolves once and connects to the checked address, whatever DNS says next (rebinding)', async () => {
    const checked = await receiver();
    const rebound = await receiver(undefined, { host: '127.0.0.2' });
    // First answer: the allowed receiver. Any later answer: somewhere the policy refuses.
    const calls: string[] = [];
    const lookup: Resolver = async (hostname) => {
      calls.push(hostname);
      return [{ address: calls.length === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    };
    const outcome = await deliver({
      url: `http://rebind.test:${checked.port}/`,
      allowHttp: true,
      lookup,
      policy: loopbackAllowed,
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({ kind: 'response', status: 204, address: '127.0.0.1' });
    expect(calls).toEqual(['rebind.test']);
    expect(checked.requests).toHaveLength(1);
    expect(rebound.connections).toBe(0);
  });

  it('uses no proxy, even where node is told to use the environment proxy', async () => {
    const server = await receiver();
    // NODE_USE_ENV_PROXY is read when node starts: a child process, whose proxy is a closed port.
    // Its global agent goes to the proxy (and fails); deliver's request goes to the receiver.
    const source = (file: string) =>
      pathToFileURL(join(import.meta.dirname, '..', 'src', file)).href;
    const script = `
      import http from 'node:http';
      import { deliver } from '${source('index.ts')}';
      import { allowForTests } from '${source('testing.ts')}';
      const url = 'http://127.0.0.1:${server.port}/';
      const outcome = await deliver({ url, allowHttp: true, policy: allowForTests(['127.0.0.1']), timeoutMs: 2000 });
      const global = await new Promise((resolve) =>
        http.get(url, (r) => resolve(r.statusCode)).on('error', (e) => resolve(e.code)));
      console.log(JSON.stringify({ status: outcome.status, global }));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        env: {
          ...process.env,
          NODE_USE_ENV_PROXY: '1',
          HTTP_PROXY: 'http://127.0.0.1:9',
          NO_PROXY: '',
        },
      },
    );
    expect(JSON.parse(stdout)).toEqual({ status: 204, global: 'ECONNREFUSED' });
    expect(server.requests).toHaveLength(1);
  });

  it('reports a connection refused as a network error', async () => {
    const server = await receiver();
    const port = server.port;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const outcome = await toLoopback(port);
    expect(outcome).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
  });
});

describe('deliver: no redirect, a total timeout, a size cap', () => {
  it('reports a redirect to loopback as the response and does not follow it', async () => {
    const target = await receiver();
    const redirecting = await receiver((_request, response) =>
      response.writeHead(302, { location: `http://127.0.0.1:${target.port}/internal` }).end(),
    );
    const outcome = await toLoopback(redirecting.port);
    expect(outcome).toMatchObject({ kind: 'response', status: 302 });
    expect(outcome.kind === 'response' && outcome.headers.location).toBe(
      `http://127.0.0.1:${target.port}/internal`,
    );
    expect(redirecting.requests).toHaveLength(1);
    expect(target.connections).toBe(0);
  });

  it('times out a server that does not answer, within the limit', async () => {
    const server = await receiver((_request, response) => {
      setTimeout(() => response.writeHead(200).end('late'), 3_000).unref();
    });
    const started = performance.now();
    const outcome = await toLoopback(server.port, { timeoutMs: 300 });
    const elapsed = performance.now() - started;
    expect(outcome).toEqual({ kind: 'timeout', timeoutMs: 300 });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('times out a server that answers at once but sends its body slowly (the limit is total)', async () => {
    const server = await receiver((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => response.write('.'), 100);
      response.on('close', () => clearInterval(timer));
    });
    const started = performance.now();
    const outcome = await toLoopback(server.port, { timeoutMs: 500 });
    expect(outcome).toEqual({ kind: 'timeout', timeoutMs: 500 });
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('times out a lookup that never answers', async () => {
    const lookup: Resolver = () => new Promise(() => undefined);
    const outcome = await deliver({ url: 'https://slow-dns.example.com/', lookup, timeoutMs: 200 });
    expect(outcome).toEqual({ kind: 'timeout', timeoutMs: 200 });
  });

  it('reads at most maxResponseBytes of a large answer', async () => {
    const server = await receiver((_request, response) =>
      response.writeHead(200).end('x'.repeat(1_000_000)),
    );
    const outcome = await toLoopback(server.port, { maxResponseBytes: 1_000 });
    expect(outcome).toMatchObject({ kind: 'response', status: 200, truncated: true });
    expect(outcome.kind === 'response' && outcome.bodyPreview).toBe('x'.repeat(1_000));
  });
});

describe('deliver over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outbound-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A self-signed certificate for receiver.test only (openssl is on every machine of the project).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=receiver.test',
      '-addext',
      'subjectAltName=DNS:receiver.test',
    ],
    { stdio: 'ignore' },
  );
  const tls = {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  };
  const lookup = resolverOf({ 'receiver.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });

  it('names the host in SNI and Host and verifies the certificate against it', async () => {
    const server = await receiver(undefined, { tls });
    const outcome = await deliver({
      url: `https://receiver.test:${server.port}/tls`,
      lookup,
      policy: loopbackAllowed,
      ca: tls.cert,
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({ kind: 'response', status: 204, address: '127.0.0.1' });
    expect(server.requests[0]).toMatchObject({
      servername: 'receiver.test',
      headers: { host: `receiver.test:${server.port}` },
    });
  });

  it('refuses a certificate that is not trusted, or not for that name', async () => {
    const server = await receiver(undefined, { tls });
    const untrusted = await deliver({
      url: `https://receiver.test:${server.port}/`,
      lookup,
      policy: loopbackAllowed,
      timeoutMs: 2_000,
    });
    expect(untrusted).toMatchObject({ kind: 'network' });
    expect(untrusted.kind === 'network' && untrusted.code).toMatch(
      /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/,
    );
    const wrongName = await deliver({
      url: `https://other.test:${server.port}/`,
      lookup,
      policy: loopbackAllowed,
      ca: tls.cert,
      timeoutMs: 2_000,
    });
    expect(wrongName).toMatchObject({ kind: 'network', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(server.requests).toEqual([]);
  });
});

describe('a signed webhook, end to end', () => {
  const secret = 'whsec_end_to_end';

  /** A receiver that verifies as README.md tells users to, with its clock at CLOCK(). */
  async function verifyingReceiver(clock: () => number) {
    const seenIds = new Set<string>();
    return receiver((request, response, body) => {
      const result = verify({
        secret,
        header: request.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
        body,
        now: clock(),
      });
      if (!result.ok) return response.writeHead(401).end(result.reason);
      const id = request.headers[DELIVERY_ID_HEADER.toLowerCase()] as string;
      const repeat = seenIds.has(id);
      seenIds.add(id);
      response.writeHead(repeat ? 200 : 204).end(repeat ? 'repeat' : undefined);
    });
  }

  it('verifies, drops a repeat by its delivery id, and refuses the replay once it is old', async () => {
    let now = Math.floor(Date.now() / 1000);
    const server = await verifyingReceiver(() => now);
    const body = JSON.stringify({ type: 'reminder.triggered', task: 't-1' });
    const headers = {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: sign({ secret, timestamp: now, body }),
      [DELIVERY_ID_HEADER]: 'd-1',
    };
    const send = (bodyToSend = body) => toLoopback(server.port, { headers, body: bodyToSend });

    expect(await send()).toMatchObject({ kind: 'response', status: 204 });
    expect(await send()).toMatchObject({ kind: 'response', status: 200, bodyPreview: 'repeat' });
    expect(await send(body.replace('t-1', 't-2'))).toMatchObject({
      status: 401,
      bodyPreview: 'mismatch',
    });
    now += 301;
    expect(await send()).toMatchObject({ kind: 'response', status: 401, bodyPreview: 'too_old' });
  });
});

describe('checkDestination', () => {
  it('resolves and checks without sending: for a route that validates a webhook URL', async () => {
    const lookup = resolverOf({
      'hooks.example.com': ['93.184.215.14'],
      'internal.example.com': ['10.0.0.7'],
    });
    expect(await checkDestination('https://hooks.example.com/x', { lookup })).toMatchObject({
      ok: true,
      host: 'hooks.example.com',
      port: 443,
      addresses: [{ address: '93.184.215.14', family: 4 }],
    });
    expect(await checkDestination('https://internal.example.com/x', { lookup })).toEqual({
      ok: false,
      code: 'forbidden_address',
      reason:
        'internal.example.com resolves to a forbidden address: 10.0.0.7 is private (RFC 1918), 10.0.0.0/8',
    });
  });
});
