import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Admin, Producer } from '@platformatic/kafka';
import {
  clientOptions,
  kafkaSettingsFromEnv,
  RecordWriter,
  saramaPartition,
} from '@taskflow/kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

// `pnpm bench:kafka-clients`: the two pure-JavaScript Kafka clients on the same work, the
// outbox relay's: EVENTS records of about 1 KB, keyed by 1,000 users, in batches of 500 sent one
// after the other (the relay's default), acks=all on an idempotent producer, no compression,
// to the local PLAINTEXT broker (scripts/provision/kafka.sh, or KAFKA_BOOTSTRAP_SERVERS).
// - `@platformatic/kafka`: its Producer as packages/kafka configures it (clientOptions,
//   idempotent, 3 retries);
// - `kafkajs`: its producer set up the same way (idempotent, one request in flight);
// - `taskflow RecordWriter`: packages/kafka's writer on @platformatic/kafka, as the relay calls
//   it (a metadata lookup and sarama's partitioner per batch), for what taskflow adds.
// Both raw clients are given the partition (sarama's, as RecordWriter picks it), so all three
// write the same records to the same partitions. Each client writes to a topic of its own, made
// before the clock starts, and first sends 10 batches untimed (connection, producer id,
// metadata and the JIT's first go). The order of the clients rotates from round to round; the
// figure is the median of ROUNDS. CPU is this process's (user + system) while the client
// publishes: the broker's is not in it. After each, the topic's end offsets must add up to the
// records sent. Topics are deleted after (kafka.sh delete-namespace).
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 500;
const WARMUP_BATCHES = 10;
const USERS = 1_000;
const PARTITIONS = 3; // the local broker's num.partitions, as the fleet's topics have
const VALUE_BYTES = 1_024;
const settings = kafkaSettingsFromEnv({
  ...process.env,
  KAFKA_BOOTSTRAP_SERVERS: process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092',
});
if (settings.securityProtocol !== 'PLAINTEXT') {
  throw new Error('this benchmark speaks PLAINTEXT only (the local broker on 127.0.0.1:9092)');
}

interface Message {
  key: string;
  keyBytes: Buffer;
  value: Buffer;
  partition: number;
}

/** A task.created CloudEvent padded to VALUE_BYTES: the size of a record on the wire, about. */
function message(n: number): Message {
  const key = `bench-user-${n % USERS}`;
  const now = new Date().toISOString();
  const event = {
    specversion: '1.0',
    id: randomUUID(),
    type: 'com.dapr.event.sent',
    source: 'task-api',
    topic: 'tasks.events',
    pubsubname: 'taskflow-pubsub',
    datacontenttype: 'application/json',
    time: now,
    data: {
      event_id: randomUUID(),
      event_type: 'task.created',
      user_id: key,
      aggregate_id: randomUUID(),
      data: { task: { title: `benchmark task ${n}`, description: '' } },
    },
  };
  const unpadded = Buffer.byteLength(JSON.stringify(event));
  event.data.data.task.description = 'x'.repeat(Math.max(0, VALUE_BYTES - unpadded));
  const keyBytes = Buffer.from(key);
  return {
    key,
    keyBytes,
    value: Buffer.from(JSON.stringify(event)),
    partition: saramaPartition(keyBytes, PARTITIONS),
  };
}

/** One client: prepared outside the clock, then `send` per batch, awaited in turn. */
interface Client {
  name: string;
  start(topic: string): Promise<(batch: Message[]) => Promise<void>>;
  stop(): Promise<void>;
}

function platformatic(): Client {
  const producer = new Producer({
    ...clientOptions(settings, 'bench-platformatic'),
    idempotent: true,
    retries: 3,
    retryDelay: 250,
    autocreateTopics: false,
  });
  return {
    name: '@platformatic/kafka',
    async start(topic) {
      return async (batch) => {
        await producer.send({
          messages: batch.map((m) => ({
            topic,
            key: m.keyBytes,
            value: m.value,
            partition: m.partition,
          })),
        });
      };
    },
    stop: () => producer.close(),
  };
}

function kafkajs(): Client {
  const kafka = new Kafka({
    clientId: 'bench-kafkajs',
    brokers: settings.bootstrapServers,
    logLevel: logLevel.WARN,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner, // unused: every record names its partition
  });
  let connected = false;
  return {
    name: 'kafkajs',
    async start(topic) {
      if (!connected) await producer.connect();
      connected = true;
      return async (batch) => {
        await producer.send({
          topic,
          acks: -1,
          messages: batch.map((m) => ({ key: m.keyBytes, value: m.value, partition: m.partition })),
        });
      };
    },
    stop: () => producer.disconnect(),
  };
}

function recordWriter(): Client {
  const writer = new RecordWriter(settings, 'bench-record-writer');
  return {
    name: 'taskflow RecordWriter',
    async start(topic) {
      return async (batch) => {
        const { failed } = await writer.write(
          topic,
          batch.map((m) => ({ key: m.key, value: m.value })),
        );
        if (failed.length > 0) throw new Error(`${failed.length} records not acknowledged`);
      };
    },
    stop: () => writer.close(),
  };
}

interface Result {
  perSecond: number;
  /** CPU milliseconds of this process per 1,000 records. */
  cpuMsPerThousand: number;
}

async function publishAll(client: Client, topic: string, messages: Message[]): Promise<Result> {
  const send = await client.start(topic);
  // Untimed: the connection, producer id and metadata, and the JIT's first go at the client.
  for (let i = 0; i < WARMUP_BATCHES; i++) await send(messages.slice(i * BATCH, (i + 1) * BATCH));
  const batches: Message[][] = [];
  for (let i = 0; i < messages.length; i += BATCH) batches.push(messages.slice(i, i + BATCH));
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const batch of batches) await send(batch);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    perSecond: messages.length / seconds,
    cpuMsPerThousand: (used.user + used.system) / 1000 / (messages.length / 1000),
  };
}

/** Creates the topic and waits until each partition has a leader (none is elected at once). */
async function createTopic(topic: string): Promise<void> {
  await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const partitions = metadata.topics.get(topic)?.partitions ?? [];
    if (partitions.length === PARTITIONS && partitions.every((p) => p.leader >= 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${topic} has no leader for every partition within 10 s`);
}

/** Fails the run unless the topic's partitions hold `expected` records in all (end offsets). */
async function expectRecords(topic: string, expected: number): Promise<void> {
  const partitions = Array.from({ length: PARTITIONS }, (_, partitionIndex) => ({
    partitionIndex,
    timestamp: -1n, // the end offset
  }));
  const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
  const held = (listed?.partitions ?? []).reduce((sum, p) => sum + Number(p.offset), 0);
  if (held !== expected) throw new Error(`${topic} holds ${held} records, not ${expected}`);
}

const namespace = `kcbench${randomBytes(4).toString('hex')}`;
const admin = new Admin(clientOptions(settings, 'bench-admin'));
const clients = [platformatic(), kafkajs(), recordWriter()];
const results = new Map<string, Result[]>(clients.map((c) => [c.name, []]));
const messages = Array.from({ length: EVENTS }, (_, n) => message(n));
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = clients.map((_, i) => clients[(i + round) % clients.length]!);
    for (const [i, client] of order.entries()) {
      const topic = `${namespace}.r${round}c${i}`;
      await createTopic(topic);
      const result = await publishAll(client, topic, messages);
      await expectRecords(topic, EVENTS + WARMUP_BATCHES * BATCH);
      results.get(client.name)!.push(result);
      console.log(
        `round ${round + 1}, ${client.name}: ${Math.round(result.perSecond)} events/s, ` +
          `${result.cpuMsPerThousand.toFixed(1)} ms CPU per 1,000`,
      );
    }
  }
} finally {
  for (const client of clients) await client.stop();
  await admin.close();
  execFileSync('bash', ['scripts/provision/kafka.sh', 'delete-namespace', namespace], {
    stdio: 'ignore',
  });
}

console.log(
  `median of ${ROUNDS} rounds, ${EVENTS} records of ${VALUE_BYTES} B (${USERS} keys, ` +
    `${PARTITIONS} partitions, batches of ${BATCH} one after the other, idempotent, acks=all):`,
);
const base = median(results.get(clients[0]!.name)!.map((r) => r.perSecond));
for (const client of clients) {
  const rounds = results.get(client.name)!;
  const perSecond = median(rounds.map((r) => r.perSecond));
  console.log(
    `  ${client.name.padEnd(22)} ${String(Math.round(perSecond)).padStart(7)} events/s ` +
      `(${(perSecond / base).toFixed(2)}x @platformatic/kafka), ` +
      `${median(rounds.map((r) => r.cpuMsPerThousand)).toFixed(1)} ms CPU per 1,000`,
  );
}
