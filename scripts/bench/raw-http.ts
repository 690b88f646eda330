// A load generator's HTTP client that leaves the CPU to what it measures. The pipeline benchmark
// runs on the same two cores as the fleet, so every microsecond the client spends is taken from
// task-api, Postgres and the sidecars. undici cost the generator about 270 µs of CPU per event at
// 1,000 events/s; requests written as ready-made strings and answers read by Content-Length cost
// a fraction of that. HTTP/1.1 keep-alive, one request in flight per connection, as a browser or
// a service client sends them. Only what Fastify answers is understood: a fixed Content-Length,
// never chunked.
import net from 'node:net';

export interface RawResponse {
  status: number;
  body: string;
}

interface Pending {
  resolve: (response: RawResponse) => void;
  reject: (error: Error) => void;
}

class Connection {
  readonly socket: net.Socket;
  private pending: Pending | undefined;
  private received = '';

  constructor(host: string, port: number, onIdle: (connection: Connection) => void) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.received += chunk;
      const response = this.complete();
      if (!response) return;
      const pending = this.pending!;
      this.pending = undefined;
      onIdle(this);
      pending.resolve(response);
    });
    const fail = (error: Error) => {
      this.pending?.reject(error);
      this.pending = undefined;
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('connection closed')));
  }

  send(request: string, pending: Pending) {
    this.pending = pending;
    this.socket.write(request);
  }

  /** The response, once all of it has arrived (answers are ASCII JSON: length in characters). */
  private complete(): RawResponse | undefined {
    const headEnd = this.received.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const length = /\r\ncontent-length: *(\d+)/i.exec(this.received.slice(0, headEnd));
    if (!length) throw new Error('raw-http: an answer without Content-Length');
    const end = headEnd + 4 + Number(length[1]);
    if (this.received.length < end) return undefined;
    const response = {
      status: Number(this.received.slice(9, 12)),
      body: this.received.slice(headEnd + 4, end),
    };
    this.received = this.received.slice(end);
    return response;
  }
}

/** `connections` keep-alive connections to `origin`; requests beyond them wait in line. */
export function rawHttpPool(origin: string, connections: number) {
  const { hostname, port } = new URL(origin);
  const idle: Connection[] = [];
  const waiting: Array<{ request: string; pending: Pending }> = [];
  const all: Connection[] = [];
  const onIdle = (connection: Connection) => {
    const next = waiting.shift();
    if (next) connection.send(next.request, next.pending);
    else idle.push(connection);
  };
  for (let i = 0; i < connections; i++) {
    const connection = new Connection(hostname, Number(port), onIdle);
    all.push(connection);
    idle.push(connection);
  }
  return {
    /** `request` is the whole message: request line, headers and body. */
    send(request: string): Promise<RawResponse> {
      return new Promise((resolve, reject) => {
        const connection = idle.pop();
        if (connection) connection.send(request, { resolve, reject });
        else waiting.push({ request, pending: { resolve, reject } });
      });
    },
    close() {
      for (const connection of all) connection.socket.destroy();
    },
  };
}

/** A POST with a JSON body, as one string ready to write. */
export function jsonPost(path: string, headers: Record<string, string>, body: string): string {
  const lines = [`POST ${path} HTTP/1.1`, 'host: bench', 'content-type: application/json'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${Buffer.byteLength(body)}`, '', body);
  return lines.join('\r\n');
}
