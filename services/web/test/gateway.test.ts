import { createServer, type IncomingMessage } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startWeb } from './harness.ts';

/** A stand-in task-api: answers with what it received, so the test sees what was forwarded. */
async function echoServer() {
  const received: Array<{
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: string;
  }> = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ method: request.method!, url: request.url!, headers: request.headers, body });
    response.writeHead(409, { 'content-type': 'application/json', etag: '"7"' });
    response.end(JSON.stringify({ error: { code: 'conflict', message: 'echo', request_id: 'r' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received };
}

/** A stand-in ws-notifier: picks `bearer`, says hello, and closes with 4008 when asked. */
async function socketServer() {
  const server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false),
  });
  const urls: string[] = [];
  server.on('connection', (socket, request) => {
    urls.push(request.url!);
    socket.send(
      JSON.stringify({ type: 'hello', protocol: request.headers['sec-websocket-protocol'] }),
    );
    socket.on('message', () => socket.close(4008, 'too slow'));
  });
  await new Promise((resolve) => server.once('listening', resolve));
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, urls };
}

const taskApi = await echoServer();
const notifier = await socketServer();
const web = await startWeb({ TASK_API_URL: taskApi.url, WS_NOTIFIER_URL: notifier.url });

describe('the gateway (the ingress of local runs)', () => {
  it('passes /api requests to task-api unchanged, and its answers back', async () => {
    const response = await fetch(`${web.url}/api/alice/tasks/1?x=1`, {
      method: 'PUT',
      headers: {
        authorization: 'Bearer t0k',
        'content-type': 'application/json',
        'if-match': '"6"',
      },
      body: '{"title":"x"}',
    });
    expect(response.status).toBe(409);
    expect(response.headers.get('etag')).toBe('"7"');
    expect(await response.json()).toMatchObject({ error: { code: 'conflict' } });
    const [forwarded] = taskApi.received;
    expect(forwarded).toMatchObject({
      method: 'PUT',
      url: '/api/alice/tasks/1?x=1',
      body: '{"title":"x"}',
    });
    expect(forwarded!.headers).toMatchObject({
      authorization: 'Bearer t0k',
      'if-match': '"6"',
      host: new URL(taskApi.url).host,
      'x-forwarded-for': '127.0.0.1',
    });
  });

  it('passes WebSocket upgrades to ws-notifier byte for byte: subprotocol, messages, close codes', async () => {
    const ws = new WebSocket(
      `${web.url.replace('http', 'ws')}/ws/user/alice/tasks?last_event_id=e1`,
      ['bearer', 'the.token.here'],
    );
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data) => resolve(String(data)));
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('bearer');
    expect(JSON.parse(first)).toEqual({ type: 'hello', protocol: 'bearer,the.token.here' });
    expect(notifier.urls).toEqual(['/ws/user/alice/tasks?last_event_id=e1']);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send('{"type":"ping"}');
    expect(await closed).toBe(4008);
    expect(web.logs()).not.toContain('the.token.here');
  });

  it('answers 404 to upgrades elsewhere, and 502 when an upstream is down', async () => {
    const status = (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.once('unexpected-response', (_request, response) => resolve(response.statusCode!));
        ws.once('error', () => {});
      });
    expect(await status(`${web.url.replace('http', 'ws')}/elsewhere`)).toBe(404);
    const orphan = await startWeb({
      TASK_API_URL: 'http://127.0.0.1:1',
      WS_NOTIFIER_URL: 'http://127.0.0.1:1',
    });
    expect(await status(`${orphan.url.replace('http', 'ws')}/ws/user/alice/tasks`)).toBe(502);
    const rest = await fetch(`${orphan.url}/api/alice/tasks`);
    expect(rest.status).toBe(502);
    expect(await rest.json()).toMatchObject({ error: { code: 'unavailable' } });
  });
});
