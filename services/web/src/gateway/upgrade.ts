import { connect, type Socket } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@taskflow/service-kit';
import { forwardedHeaders } from './headers.ts';

/**
 * WebSocket upgrades under `/ws/` are passed to ws-notifier as raw bytes: the handshake (with
 * its token), every frame, pings and close codes reach each side unchanged, so the page sees
 * exactly what a direct connection would. Several replicas are used round robin.
 *
 * Nothing here logs the request URL: it may hold `?access_token=`.
 */
export function upgradeGateway(
  server: Server,
  notifiers: URL[],
  logger: Logger,
): { closeAll(): void } {
  let next = 0;
  // Upgraded sockets are still the server's connections: closing the server waits for them.
  const open = new Set<Duplex>();
  const refuse = (client: Duplex, status: string) =>
    // Destroyed once written: a client that ignores the answer must not hold the socket open.
    client.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
      client.destroy(),
    );
  const onUpgrade = (request: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => client.destroy());
    if (!request.url?.startsWith('/ws/')) return refuse(client, '404 Not Found');
    open.add(client);
    client.on('close', () => open.delete(client));
    const target = notifiers[next++ % notifiers.length]!;
    const upstream: Socket = connect(Number(target.port || 80), target.hostname);
    let connected = false;
    upstream.on('connect', () => {
      connected = true;
      upstream.setNoDelay(true);
      const headers = forwardedHeaders(request.headers, target, {
        address: request.socket.remoteAddress,
        host: request.headers.host,
      });
      // The upgrade's own hop-by-hop headers are what this connection is about: keep them.
      headers.connection = 'Upgrade';
      headers.upgrade = request.headers.upgrade ?? 'websocket';
      const lines = Object.entries(headers).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}`),
      );
      upstream.write(`GET ${request.url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', (error) => {
      logger.debug({ err: error.message, upstream: target.host }, 'ws-notifier unreachable');
      if (!connected) refuse(client, '502 Bad Gateway');
      else client.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  };
  server.on('upgrade', onUpgrade);
  return { closeAll: () => open.forEach((client) => client.destroy()) };
}
