import { Parser, type Diagnostic } from '@asyncapi/parser';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_TOPIC, EventType, makeEvent, TOPICS } from '../events.ts';
import { freshTask } from '../tasks.ts';
import { toWsMessage, WsServerMessage } from '../ws.ts';
import { asyncApiDocument } from './document.ts';
import { exampleCloudEvent, exampleEvents } from './examples.ts';
import { schemaNames } from './schemas.ts';

const document = asyncApiDocument();
const parser = new Parser();

/** What the real AsyncAPI parser finds in a document: errors and warnings, as one line each. */
async function problems(input: unknown): Promise<string[]> {
  const { diagnostics } = await parser.parse(JSON.stringify(input));
  return diagnostics
    .filter((diagnostic: Diagnostic) => diagnostic.severity <= 1)
    .map((d: Diagnostic) => `${d.code} at ${d.path.join('.')}: ${d.message}`);
}

/** Validates values against the document's own schemas, `$ref`s resolved within it. */
function validatorFor(input: unknown) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(input as object, 'asyncapi');
  return (pointer: string, value: unknown) => {
    const validate = ajv.getSchema(`asyncapi#${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

// The parser takes about a second per document here, more on a busy machine.
describe('the AsyncAPI document', { timeout: 30_000 }, () => {
  it('is valid AsyncAPI 3.0 for the real parser, without errors or warnings', async () => {
    expect(await problems(document)).toEqual([]);
  });

  // Each break alone, so that each one is shown to be caught. `undefined` deletes the field.
  const breaks: Array<[string, string[], unknown, RegExp]> = [
    ['an unknown action', ['operations', 'publishTaskEvents', 'action'], 'publish', /action/],
    [
      'a dangling $ref',
      ['components', 'messages', 'WsHello', 'payload'],
      { $ref: '#/components/schemas/Nowhere' },
      /Nowhere/,
    ],
    [
      'a schema that is no schema',
      ['components', 'schemas', 'Task', 'properties', 'title', 'type'],
      'text',
      /"type" property must be equal to one of the allowed values/,
    ],
    ['a channel without its address', ['channels', 'userTasks', 'address'], undefined, /parameter/],
  ];
  it.each(breaks)('is refused by the parser with %s', async (_name, path, value, expected) => {
    const broken = structuredClone(document) as unknown as Record<string, unknown>;
    const parent = path
      .slice(0, -1)
      .reduce((node, key) => node[key] as Record<string, unknown>, broken);
    const key = path.at(-1)!;
    if (value === undefined) delete parent[key];
    else parent[key] = value;
    const found = await problems(broken);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(expected);
  });

  it('has a channel for each of the three broker topics and no more (Redpanda Cloud’s free tier)', () => {
    const brokerChannels = Object.values(document.channels).filter((channel) =>
      channel.servers.some((server) => server.$ref === '#/servers/kafka'),
    );
    expect(brokerChannels.map((channel) => channel.address)).toEqual([
      TOPICS.tasks,
      TOPICS.reminders,
      DEAD_LETTER_TOPIC,
    ]);
  });

  it('is the same every time it is generated', () => {
    expect(JSON.stringify(asyncApiDocument())).toBe(JSON.stringify(document));
  });
});

const check = validatorFor(document);
const messages = document.components.messages as Record<
  string,
  { payload: { $ref: string }; examples?: Array<{ payload: unknown }> }
>;
const payloadOf = (message: string) => `/components/messages/${message}/payload`;

/** A fresh event of each type with new ids, as producers build them. */
function freshEvents() {
  const userId = `u-${crypto.randomUUID()}`;
  const task = freshTask(
    { id: crypto.randomUUID(), user_id: userId, title: 'Pay rent' },
    new Date().toISOString(),
  );
  const context = { userId, correlationId: crypto.randomUUID() };
  return (Object.keys(exampleEvents) as EventType[]).map((type) => {
    const example = exampleEvents[type];
    const data =
      'user_id' in example.data
        ? { ...task, is_recurring: type === 'recurring.spawned' }
        : example.data;
    return makeEvent(type, { id: crypto.randomUUID(), version: 7 }, data as never, context);
  });
}

describe('messages against the document', () => {
  it('has a message of every event type and every WebSocket message type', () => {
    const names = Object.keys(messages);
    for (const type of EventType.options) expect(names).toContain(schemaNames.event(type));
    for (const option of WsServerMessage.options) {
      const discriminator = option.shape.type;
      for (const type of 'options' in discriminator
        ? discriminator.options
        : [discriminator.value]) {
        expect(
          names.some((name) =>
            messages[name]!.examples?.some((e) => (e.payload as { type?: string }).type === type),
          ),
        ).toBe(true);
      }
    }
  });

  it.each(Object.keys(messages).filter((name) => messages[name]!.examples))(
    'takes the examples of %s',
    (name) => {
      for (const { payload } of messages[name]!.examples!)
        expect(check(payloadOf(name), payload)).toEqual([]);
    },
  );

  it('takes every event as producers build it, in its CloudEvent, and as sockets receive it', () => {
    for (const event of freshEvents()) {
      const type = event.event_type;
      expect(
        check(payloadOf(schemaNames.event(type)), { ...exampleCloudEvent(type), data: event }),
      ).toEqual([]);
      const message = toWsMessage(event);
      expect(check(payloadOf(schemaNames.socket(message.type)), message)).toEqual([]);
    }
  });

  it('takes a dead letter from either topic, with its reason', () => {
    for (const type of ['task.created', 'reminder.triggered'] as const) {
      const delivered = { ...exampleCloudEvent(type), data: { n: 'not an event' } };
      const letter = { ...delivered, deadletterreason: 'payload does not match its schema: n' };
      expect(check(payloadOf('DeadLetter'), letter)).toEqual([]);
    }
    expect(check(payloadOf('DeadLetter'), { id: 'x', topic: '' })).not.toEqual([]);
  });

  it('describes the resume query as the server reads it', () => {
    const query = '/components/schemas/WsResumeQuery';
    expect(check(query, { last_event_id: crypto.randomUUID(), access_token: 'a.b.c' })).toEqual([]);
    // The server ignores parameters it does not know.
    expect(check(query, { utm_source: 'mail' })).toEqual([]);
    expect(check(query, { last_event_id: 'yesterday' })).not.toEqual([]);
    expect(check(query, { access_token: 'x'.repeat(8193) })).not.toEqual([]);
  });

  it('refuses what the contracts refuse', () => {
    const cloudEvent = exampleCloudEvent('task.created');
    const event = cloudEvent.data;
    const refused: Array<[string, unknown]> = [
      ['TaskCreatedEvent', { ...cloudEvent, data: { ...event, aggregate_version: 0 } }],
      ['TaskCreatedEvent', { ...cloudEvent, data: { ...event, user_id: 'al ice' } }],
      ['TaskCreatedEvent', { ...cloudEvent, data: { ...event, event_type: 'task.updated' } }],
      [
        'TaskCreatedEvent',
        { ...cloudEvent, data: { ...event, timestamp: '2026-11-28T20:28:38+01:00' } },
      ],
      ['TaskCreatedEvent', { ...cloudEvent, specversion: '0.3' }],
      ['ReminderTriggeredEvent', { ...exampleCloudEvent('reminder.triggered'), data: event }],
      ['WsTaskCreated', { ...toWsMessage(event), event_id: 'not-a-uuid' }],
      ['WsReminder', { ...toWsMessage(exampleEvents['reminder.triggered']), data: event.data }],
      ['WsHello', { type: 'hello', heartbeat_interval_ms: 30_000, replayed: -1 }],
      ['WsResync', { type: 'resync', reason: 'bored' }],
      ['WsPing', { type: 'ping', extra: true }],
    ];
    for (const [name, value] of refused) {
      expect(check(payloadOf(name), value), `${name}: ${JSON.stringify(value)}`).not.toEqual([]);
    }
  });
});
