import { DEAD_LETTER_TOPIC, ENVELOPE_VERSION, TOPICS, topicOf, type EventType } from '../events.ts';
import { WS_CLOSE, WsHello, WsResync, type WsEventMessageType } from '../ws.ts';
import {
  exampleCloudEvent,
  exampleEvents,
  exampleSocketMessages,
  exampleUser,
} from './examples.ts';
import { componentSchemas, schemaNames, type JsonSchema } from './schemas.ts';

const ref = (path: string) => ({ $ref: `#/${path}` });
const schemaRef = (name: string) => ref(`components/schemas/${name}`);
const messageRef = (name: string) => ref(`components/messages/${name}`);

const EVENT_TYPES = Object.keys(exampleEvents) as EventType[];
const SOCKET_EVENT_TYPES = Object.keys(exampleSocketMessages) as WsEventMessageType[];

/** What each close code means to a client; keyed like WS_CLOSE, so a new code needs a line. */
const closeCodeMeanings: Record<keyof typeof WS_CLOSE, string> = {
  goingAway: 'the replica is shutting down: reconnect (with backoff) and resume',
  invalidMessage: 'the client sent an invalid message, or too many (more than 20 in 10 s)',
  tokenExpired: 'the token expired while the socket was open: reconnect with a fresh token',
  slowConsumer: 'the client read too slowly: reconnect and resume',
};

// Kafka record key = the user id (the relay's partitionKey), so one user's events keep one
// partition. Redis Streams has no key.
const kafkaKey = { kafka: { key: schemaRef('UserId'), bindingVersion: '0.5.0' } };

function brokerMessage(type: EventType) {
  return {
    name: type,
    title: type,
    summary: `A \`${type}\` event on \`${topicOf(type)}\`, in the CloudEvent the relay wraps it in`,
    contentType: 'application/cloudevents+json',
    payload: schemaRef(schemaNames.cloudEvent(type)),
    correlationId: { location: '$message.payload#/data/correlation_id' },
    bindings: kafkaKey,
    examples: [{ name: type, payload: exampleCloudEvent(type) }],
  };
}

function socketMessage(name: string, type: string, summary: string, example: unknown) {
  return {
    name: type,
    title: type,
    summary,
    contentType: 'application/json',
    payload: schemaRef(name),
    examples: [{ name: type, payload: example }],
  };
}

const socketEventSummary: Record<WsEventMessageType, string> = {
  'task.created': 'a task was created; `data` is the whole task',
  'task.updated': 'a task was changed; `data` is the whole task after the change',
  'task.completed': 'a task was completed or reopened; `data` is the whole task',
  'task.deleted':
    'a task was deleted; `data` is the task as it stood, with the deletion\u2019s version',
  'recurring.spawned': 'a series spawned an instance (which also arrives as its own task.created)',
  reminder: 'a reminder rang (from `reminder.triggered`); it changes no task',
  'project.created': 'a project was created; `data` is the whole project with its members',
  'project.updated': 'a project was renamed; `data` is the whole project',
  'project.deleted':
    'a project was deleted, with its tasks (each also arrives as its own task.deleted)',
  'project.member_added':
    'a member was added; `data.project` is the project after it, `data.member` the new member',
  'project.member_updated': 'a member\u2019s role changed; `data.member` has the new role',
  'project.member_removed':
    'a member was removed or left: sent to the other members and to that member, whose sockets get none of the project\u2019s events from then on',
};

function messages() {
  return {
    ...Object.fromEntries(
      EVENT_TYPES.map((type) => [schemaNames.event(type), brokerMessage(type)]),
    ),
    DeadLetter: {
      name: 'dead-letter',
      title: 'dead letter',
      summary: 'A message a subscriber can never process, with the reason',
      contentType: 'application/cloudevents+json',
      payload: schemaRef('DeadLetterCloudEvent'),
    },
    ...Object.fromEntries(
      SOCKET_EVENT_TYPES.map((type) => [
        schemaNames.socket(type),
        socketMessage(
          schemaNames.socket(type),
          type,
          socketEventSummary[type],
          exampleSocketMessages[type],
        ),
      ]),
    ),
    WsHello: socketMessage(
      'WsHello',
      'hello',
      'Always first: the heartbeat interval, and how many replayed messages follow',
      WsHello.parse({ type: 'hello', heartbeat_interval_ms: 30_000, replayed: 2 }),
    ),
    WsResync: socketMessage(
      'WsResync',
      'resync',
      'The server cannot replay from `last_event_id`: reload over REST; live events follow',
      WsResync.parse({ type: 'resync', reason: 'not_in_buffer' }),
    ),
    WsPong: socketMessage('WsPong', 'pong', 'The answer to a `ping`', { type: 'pong' }),
    WsPing: socketMessage(
      'WsPing',
      'ping',
      'The only message a client may send. Anything else closes the socket with 1008',
      { type: 'ping' },
    ),
  };
}

const topicChannel = (topic: string, types: EventType[], description: string) => ({
  address: topic,
  title: topic,
  description,
  servers: [ref('servers/kafka'), ref('servers/redis')],
  messages: Object.fromEntries(
    types.map((type) => [schemaNames.event(type), messageRef(schemaNames.event(type))]),
  ),
});

const deadLetterChannel = {
  address: DEAD_LETTER_TOPIC,
  title: DEAD_LETTER_TOPIC,
  description: `What a subscriber of ${Object.values(TOPICS)
    .map((topic) => `\`${topic}\``)
    .join(
      ' or ',
    )} can never process, in one topic for both (its \`topic\` attribute says which): a payload that fails the subscriber's schema (sent at once, \`deadletterreason\` says why), or one its handler kept failing (forwarded by daprd after its retry policy).`,
  servers: [ref('servers/kafka'), ref('servers/redis')],
  messages: { DeadLetter: messageRef('DeadLetter') },
};

function socketChannel(schemas: Record<string, JsonSchema>) {
  const userId = schemas.UserId as { pattern: string; minLength: number; maxLength: number };
  const closeCodes = Object.entries(WS_CLOSE).map(([key, code]) => ({
    code,
    meaning: closeCodeMeanings[key as keyof typeof WS_CLOSE],
  }));
  return {
    address: '/ws/user/{user_id}/tasks',
    title: 'a user\u2019s live events',
    description: [
      'One WebSocket per browser tab. Everything is decided before the upgrade: a refused upgrade is an HTTP answer with the error body (`ErrorBody`) and no socket opens: 400 (`last_event_id` not a UUID), 401 (no valid token), 403 (another user\u2019s path), 429 (too many sockets of this user on the replica), 503 (the replica is full).',
      'What a socket receives: the events of its user\u2019s own tasks and reminders, and those of every project the user is a member of (each event\u2019s `audience`, fixed when its change committed): a member removed gets the `project.member_removed` about themselves and nothing of that project after it.',
      'Resume: `?last_event_id=` the last event seen; `hello.replayed` messages from the replica\u2019s buffer follow, or `resync`. Delivery is at least once: drop duplicates by `event_id`. A socket gets each task\u2019s events in `aggregate_version` order (one whose predecessor is late waits up to 200 ms, then goes anyway; an older one is never sent after a newer), so they may be applied as they come. The server pings (protocol level) every `heartbeat_interval_ms` and drops silent peers.',
      `Close codes: ${closeCodes.map(({ code, meaning }) => `${code} ${meaning}`).join('; ')}; 1009 a client frame over 4 KiB.`,
    ].join('\n\n'),
    servers: [ref('servers/ws-notifier')],
    parameters: {
      user_id: {
        description: `The user, the token\u2019s subject: ${userId.minLength}-${userId.maxLength} characters matching \`${userId.pattern}\`.`,
        examples: [exampleUser],
        'x-schema': schemaRef('UserId'),
      },
    },
    messages: Object.fromEntries(
      [
        ...SOCKET_EVENT_TYPES.map(schemaNames.socket),
        'WsHello',
        'WsResync',
        'WsPong',
        'WsPing',
      ].map((name) => [name, messageRef(name)]),
    ),
    bindings: {
      ws: { method: 'GET', query: schemaRef('WsResumeQuery'), bindingVersion: '0.1.0' },
    },
    'x-close-codes': closeCodes,
  };
}

const channelMessages = (channel: string, names: string[]) =>
  names.map((name) => ref(`channels/${channel}/messages/${name}`));

function operations() {
  const taskTypes = EVENT_TYPES.filter((type) => topicOf(type) === TOPICS.tasks);
  const reminderTypes = EVENT_TYPES.filter((type) => topicOf(type) === TOPICS.reminders);
  const taskMessages = channelMessages('tasksEvents', taskTypes.map(schemaNames.event));
  const reminderMessages = channelMessages('remindersEvents', reminderTypes.map(schemaNames.event));
  const socket = ref('channels/userTasks');
  return {
    publishTaskEvents: {
      action: 'send',
      channel: ref('channels/tasksEvents'),
      summary:
        'task-api and scheduler publish from their outbox (at least once, key = user id), after the commit',
      messages: taskMessages,
    },
    consumeTaskEvents: {
      action: 'receive',
      channel: ref('channels/tasksEvents'),
      summary:
        'scheduler and reminder-worker (a consumer group per app) and every ws-notifier replica (a group per replica)',
      messages: taskMessages,
    },
    publishReminderEvents: {
      action: 'send',
      channel: ref('channels/remindersEvents'),
      summary: 'reminder-worker publishes a reminder that rang, from its outbox',
      messages: reminderMessages,
    },
    consumeReminderEvents: {
      action: 'receive',
      channel: ref('channels/remindersEvents'),
      summary: 'every ws-notifier replica (a consumer group per replica)',
      messages: reminderMessages,
    },
    deadLetter: {
      action: 'send',
      channel: ref('channels/deadLetters'),
      summary: 'a subscriber sets aside a message it can never process',
      messages: channelMessages('deadLetters', ['DeadLetter']),
    },
    sendSocketMessages: {
      action: 'send',
      channel: socket,
      summary: 'ws-notifier sends hello, then replayed or resync, then live events',
      messages: channelMessages('userTasks', [
        'WsHello',
        'WsResync',
        ...SOCKET_EVENT_TYPES.map(schemaNames.socket),
      ]),
    },
    answerPing: {
      action: 'receive',
      channel: socket,
      summary: 'a client checks the server (browsers cannot see protocol pings)',
      messages: channelMessages('userTasks', ['WsPing']),
      reply: { channel: socket, messages: channelMessages('userTasks', ['WsPong']) },
    },
  };
}

const securitySchemes = {
  bearerSubprotocol: {
    type: 'httpApiKey',
    in: 'header',
    name: 'Sec-WebSocket-Protocol',
    description:
      'Browsers: the subprotocols `bearer, <jwt>` (`new WebSocket(url, ["bearer", jwt])`); the server answers with `bearer`.',
  },
  bearerHeader: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: '`Authorization: Bearer <jwt>`, for clients that can set headers.',
  },
  accessTokenQuery: {
    type: 'httpApiKey',
    in: 'query',
    name: 'access_token',
    description: '`?access_token=<jwt>`, for clients that can set neither; redacted from logs.',
  },
};

/**
 * The AsyncAPI 3.0 document of taskflow's messaging: both topics (each event in its CloudEvent),
 * the one dead-letter topic, and ws-notifier's WebSocket. Every schema is converted from the zod
 * contracts; the same input gives the same document, byte for byte.
 */
export function asyncApiDocument() {
  const schemas = componentSchemas();
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'taskflow events and live updates',
      version: String(ENVELOPE_VERSION),
      description:
        'The events taskflow publishes through Dapr pub/sub (an outbox relay per writing service; at least once; one user\u2019s events share a Kafka partition) and the WebSocket on which ws-notifier pushes them to each user. Topics are the same on every broker; the broker is chosen by Dapr component YAML. The REST API is described by task-api\u2019s OpenAPI document (`/docs/json`).',
    },
    defaultContentType: 'application/json',
    servers: {
      'ws-notifier': {
        host: '127.0.0.1:8030',
        protocol: 'ws',
        description:
          'ws-notifier as `pnpm dev` runs it. Deployed: `wss` on the ingress host, which routes `/ws` to ws-notifier.',
        security: [
          ref('components/securitySchemes/bearerSubprotocol'),
          ref('components/securitySchemes/bearerHeader'),
          ref('components/securitySchemes/accessTokenQuery'),
        ],
      },
      kafka: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description:
          'The local Kafka (`scripts/provision/kafka.sh`, `BROKER=kafka`); Redpanda Cloud in production (SASL SCRAM-SHA-256 over TLS).',
      },
      redis: {
        host: '127.0.0.1:6379',
        protocol: 'redis',
        description:
          'The local Redis Streams (the default broker); each stream is named after its topic.',
      },
    },
    channels: {
      tasksEvents: topicChannel(
        TOPICS.tasks,
        EVENT_TYPES.filter((type) => topicOf(type) === TOPICS.tasks),
        'Every change of a task, with the whole task after it, and each instance a series spawned.',
      ),
      remindersEvents: topicChannel(
        TOPICS.reminders,
        EVENT_TYPES.filter((type) => topicOf(type) === TOPICS.reminders),
        'Each reminder when it rings, once.',
      ),
      deadLetters: deadLetterChannel,
      userTasks: socketChannel(schemas),
    },
    operations: operations(),
    components: { schemas, messages: messages(), securitySchemes },
  };
}

export type AsyncApiDocument = ReturnType<typeof asyncApiDocument>;
