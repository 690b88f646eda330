import { Parser } from '@asyncapi/parser';
import { asyncApiDocument, makeEvent, type WsServerMessage } from '@taskflow/contracts';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  connect,
  newUserId,
  refusedWith,
  startNotifier,
  taskEvent,
  tokenFor,
  type Client,
} from './harness.ts';

const notifier = await startNotifier();
const documentUrl = `http://127.0.0.1:${notifier.port}/docs/asyncapi.json`;

/**
 * The served document as the real AsyncAPI parser reads it: for each message a client may
 * receive or send on the socket, its payload schema (dereferenced by the parser), by `type`.
 */
async function socketSchemas(source: string): Promise<Map<string, ValidateFunction>> {
  const { document, diagnostics } = await new Parser().parse(source);
  if (!document) throw new Error(`the served document does not parse: ${diagnostics[0]?.message}`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const channel = document
    .channels()
    .all()
    .find((c) => c.address() === '/ws/user/{user_id}/tasks');
  const byType = new Map<string, ValidateFunction>();
  for (const message of channel?.messages().all() ?? []) {
    byType.set(message.name() ?? '', ajv.compile(message.payload()?.json() ?? false));
  }
  return byType;
}

/** Every frame a socket received, with the problems the document finds in it. */
function problemsIn(client: Client, schemas: Map<string, ValidateFunction>) {
  return client.messages.map((message: WsServerMessage) => {
    const validate = schemas.get(message.type);
    if (!validate) return { type: message.type, problems: ['no message of this type'] };
    validate(message);
    return { type: message.type, problems: (validate.errors ?? []).map((e) => e.message) };
  });
}

describe('GET /docs/asyncapi.json', () => {
  it('serves the generated document, without a token', async () => {
    const response = await fetch(documentUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(asyncApiDocument());
  });

  it('leaves the socket route authenticated, and refuses an upgrade to the document', async () => {
    const userId = newUserId();
    expect(await refusedWith(`${notifier.url}/ws/user/${userId}/tasks`)).toBe(401);
    const token = await tokenFor(userId);
    expect(await refusedWith(`${notifier.url}/docs/asyncapi.json`, ['bearer', token])).toBe(404);
  });

  it('ignores a query parameter it does not know, as the document says', async () => {
    const userId = newUserId();
    const url = `${notifier.url}/ws/user/${userId}/tasks?utm_source=mail`;
    const socket = new WebSocket(url, ['bearer', await tokenFor(userId)]);
    const first = await new Promise<string>((resolve, reject) => {
      socket.once('message', (data) => resolve(String(data)));
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
    });
    expect(JSON.parse(first)).toMatchObject({ type: 'hello' });
    socket.close();
  });
});

describe('what a socket receives', { timeout: 30_000 }, () => {
  it('conforms to the served document, message by message', async () => {
    const schemas = await socketSchemas(await (await fetch(documentUrl)).text());
    const userId = newUserId();
    const tab = await connect(notifier, userId);
    const created = taskEvent(userId);
    const updated = taskEvent(userId, {
      id: created.aggregate_id,
      version: 2,
      type: 'task.updated',
    });
    const context = { userId, correlationId: crypto.randomUUID() };
    const spawned = makeEvent(
      'recurring.spawned',
      { id: crypto.randomUUID(), version: 3 },
      {
        series_id: crypto.randomUUID(),
        instance_id: created.aggregate_id,
        occurrence_at: new Date().toISOString(),
        next_occurrence: null,
        title: 'Standup',
        due_date: new Date().toISOString(),
        project_id: null,
      },
      context,
    );
    const reminder = makeEvent(
      'reminder.triggered',
      { id: crypto.randomUUID(), version: 2 },
      {
        reminder_id: crypto.randomUUID(),
        task_id: created.aggregate_id,
        title: 'a task',
        remind_at: new Date().toISOString(),
        due_date: null,
        late: true,
        project_id: null,
      },
      context,
    );
    await notifier.deliver(created, updated, spawned, reminder);
    tab.ws.send(JSON.stringify({ type: 'ping' }));
    await tab.next((m) => m.type === 'pong');
    await tab.next((m) => m.type === 'reminder');
    const resumed = await connect(notifier, userId, { lastEventId: crypto.randomUUID() });
    await resumed.next((m) => m.type === 'resync');

    const received = [...problemsIn(tab, schemas), ...problemsIn(resumed, schemas)];
    expect(received.map((r) => r.type).sort()).toEqual(
      [
        'hello',
        'task.created',
        'task.updated',
        'recurring.spawned',
        'reminder',
        'pong',
        'hello',
        'resync',
      ].sort(),
    );
    expect(received.filter((r) => r.problems.length > 0)).toEqual([]);
    // The check can fail: a frame the server never sends is refused.
    expect(schemas.get('hello')?.({ type: 'hello', heartbeat_interval_ms: 0, replayed: 0 })).toBe(
      false,
    );
    tab.ws.close();
    resumed.ws.close();
  });
});
