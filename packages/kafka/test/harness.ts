import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer } from '@platformatic/kafka';
import { type Topic } from '@taskflow/contracts';
import {
  defineSubscription,
  type Audience,
  type DeliveryLog,
  type DeliveryStatus,
  type Messaging,
  type OutgoingEvent,
} from '@taskflow/messaging';
import { z } from 'zod';
import { clientOptions, kafkaSettingsFromEnv, type KafkaSettings } from '../src/index.ts';

// The local test broker (scripts/provision/kafka.sh): PLAINTEXT, topics auto-created with 3
// partitions. Every test file works in a namespace of its own and deletes its topics after.
export const PLAINTEXT = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
export const plaintext: KafkaSettings = kafkaSettingsFromEnv({
  KAFKA_BOOTSTRAP_SERVERS: PLAINTEXT,
});
const kafkaScript = fileURLToPath(new URL('../../../scripts/provision/kafka.sh', import.meta.url));

export function freshNamespace(): string {
  return `kmsg${randomBytes(4).toString('hex')}`;
}

export function deleteNamespace(namespace: string): void {
  execFileSync('bash', [kafkaScript, 'delete-namespace', namespace], { stdio: 'ignore' });
}

/** serve()'s app: the direct transports never touch it. */
export const noApp = {} as Parameters<Messaging['serve']>[0];

/** The payload of `outgoing`'s events. */
export const Payload = z.looseObject({ event_id: z.string(), user: z.string(), n: z.number() });
export type Payload = z.infer<typeof Payload>;

/** Serves one subscription to `topic` (no ticks); `handler` answers each payload. */
export function serveOne(
  messaging: Messaging,
  options: {
    topic: Topic;
    audience?: Audience;
    handler: (payload: Payload) => DeliveryStatus | Promise<DeliveryStatus>;
  },
): Promise<void> {
  return messaging.serve(noApp, {
    subscriptions: [
      defineSubscription({
        topic: options.topic,
        audience: options.audience ?? 'shared',
        route: '/events',
        schema: Payload,
        handler: options.handler,
      }),
    ],
    ticks: [],
  });
}

/** A DeliveryLog that keeps error and warn lines, to assert on and to explain failures. */
export function recordingLog(): DeliveryLog & {
  lines: Array<{ level: string; message: string; object: object }>;
} {
  const lines: Array<{ level: string; message: string; object: object }> = [];
  const keep = (level: string, bindings: object) => (object: object, message: string) => {
    lines.push({ level, message, object: { ...bindings, ...object } });
  };
  // The levels the transport writes; a pino logger's other members are never called here.
  const make = (bindings: object): DeliveryLog =>
    ({
      level: 'warn',
      silent: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: keep('warn', bindings),
      error: keep('error', bindings),
      fatal: keep('fatal', bindings),
      child: (more: object) => make({ ...bindings, ...more }),
    }) as unknown as DeliveryLog;
  return Object.assign(make({}), { lines });
}

export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 20_000, context = () => '' }: { timeoutMs?: number; context?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An outbox event as the relay hands it over: its envelope JSON, keyed by user. */
export function outgoing(
  userId: string,
  n: number,
  extra: Record<string, unknown> = {},
): OutgoingEvent {
  const eventId = `${userId}-${n}-${randomBytes(3).toString('hex')}`;
  return {
    eventId,
    userId,
    aggregateId: `${userId}-task`,
    correlationId: '0af76519-16cd-43dd-8448-eb211c80319c',
    envelopeJson: JSON.stringify({ event_id: eventId, user: userId, n, ...extra }),
  };
}

export interface ReadRecord {
  key: string | undefined;
  value: string;
  partition: number;
  headers: Record<string, string>;
}

/** Reads a topic from the beginning, under a group of its own, until `count` records came. */
export async function readTopic(
  topic: string,
  count: number,
  settings: KafkaSettings = plaintext,
  timeoutMs = 20_000,
): Promise<ReadRecord[]> {
  const consumer = new Consumer({
    ...clientOptions(settings, 'test-reader'),
    groupId: `test-reader-${randomBytes(4).toString('hex')}`,
    autocreateTopics: true,
  });
  const records: ReadRecord[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
    const timer = setTimeout(() => void stream.close(), timeoutMs);
    for await (const record of stream) {
      records.push({
        key: record.key?.length ? record.key.toString() : undefined,
        value: record.value?.toString() ?? '',
        partition: record.partition,
        headers: Object.fromEntries(
          [...record.headers].map(([k, v]) => [k.toString(), v.toString()]),
        ),
      });
      if (records.length >= count) break;
    }
    clearTimeout(timer);
    return records;
  } finally {
    await consumer.close(true);
  }
}

/** Waits until a consumer group is Stable with `members` members: no rebalance under way. */
export async function groupSettled(groupId: string, members: number, settings = plaintext) {
  const admin = new Admin(clientOptions(settings, 'test-admin'));
  try {
    await eventually(`group ${groupId} stable with ${members} members`, async () => {
      const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
      return group?.state.toUpperCase() === 'STABLE' && group.members.size === members;
    });
  } finally {
    await admin.close();
  }
}

// The SASL_SSL listener of the local broker: a self-signed CA and one user for SCRAM-SHA-256,
// SCRAM-SHA-512 and PLAIN, which `eval "$(bash scripts/provision/all.sh)"` describes in these.
const SASL_VARIABLES = [
  'KAFKA_SASL_SSL_BROKERS',
  'KAFKA_TEST_CA_FILE',
  'KAFKA_TEST_SASL_USERNAME',
  'KAFKA_TEST_SASL_PASSWORD',
] as const;

export function saslListener() {
  const missing = SASL_VARIABLES.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not set: they name the local Kafka's SASL_SSL listener. ` +
        'Run `eval "$(bash scripts/provision/all.sh)"`.',
    );
  }
  const [brokers, caFile, username, password] = SASL_VARIABLES.map((name) => process.env[name]!);
  return { brokers: brokers!, caFile: caFile!, username: username!, password: password! };
}

/** The env an operator would write for the SASL_SSL listener (SCRAM-SHA-256), with `changes`. */
export function saslEnv(changes: Record<string, string | undefined> = {}) {
  const listener = saslListener();
  return {
    KAFKA_BOOTSTRAP_SERVERS: listener.brokers,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
    KAFKA_SASL_USERNAME: listener.username,
    KAFKA_SASL_PASSWORD: listener.password,
    KAFKA_SSL_CA_FILE: listener.caFile,
    ...changes,
  };
}

/** The settings of saslEnv(changes). */
export function saslSettings(changes: Record<string, string | undefined> = {}): KafkaSettings {
  return kafkaSettingsFromEnv(saslEnv(changes));
}
