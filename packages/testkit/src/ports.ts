import { createServer, type Server } from 'node:net';

// Ports handed out by this process: two callers that ask before either binds never get the same.
const handedOut = new Set<number>();

/**
 * `count` distinct TCP ports that were free on 127.0.0.1 a moment ago. All are held open until
 * the last one is found, so they differ from each other; another process can still take one
 * before the caller binds it, which is rare enough for tests.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = createServer();
      servers.push(server);
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          const address = server.address();
          if (address === null || typeof address === 'string') {
            reject(new Error('listening socket has no port'));
          } else {
            resolve(address.port);
          }
        });
      });
      if (handedOut.has(port)) continue;
      handedOut.add(port);
      ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  }
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}
