import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEAD_LETTER_TOPIC, DeadLetterCloudEvent, TOPICS, topicName } from '@taskflow/contracts';
import { kafkaPublisher, kafkaSettingsFromEnv, RecordWriter } from '@taskflow/kafka';
import {
  deadLetterQueue,
  FLEET_DAPR_API_TOKEN,
  jetstreamConsumers,
  jetstreamMessages,
  jetstreamSubjectCount,
  jetstreamSubjects,
  kafkaBrokers,
  rabbitmqNames,
  rabbitmqPeek,
  rabbitmqQueueDepth,
  type Fleet,
} from '@taskflow/testkit';

const run = promisify(execFile);

/**
 * A message no subscriber can process (its data is not a task), published straight to the
 * fleet's tasks topic through task-api's sidecar, as a buggy producer would. Resolves with the
 * sidecar's status (204: published). A fleet without sidecars on Kafka (standalone) gets the
 * record the sidecar would have written, from a producer of its own: 204 once it is acknowledged.
 */
export async function publishPoison(fleet: Fleet, userId: string): Promise<number> {
  const poison = { event_type: 'task.created', user_id: userId, data: 'not a task' };
  if (fleet.mode === 'standalone' && fleet.broker === 'kafka') {
    const writer = new RecordWriter(
      kafkaSettingsFromEnv({ KAFKA_BOOTSTRAP_SERVERS: kafkaBrokers() }),
      'e2e-poison',
    );
    try {
      const publisher = kafkaPublisher(writer, {
        appId: 'e2e-poison',
        pubsub: 'taskflow-pubsub',
        topicNamespace: fleet.topicNamespace,
      });
      const id = crypto.randomUUID();
      const { failedEventIds } = await publisher.publishBatch(TOPICS.tasks, [
        {
          eventId: id,
          userId,
          aggregateId: id,
          correlationId: id,
          envelopeJson: JSON.stringify(poison),
        },
      ]);
      return failedEventIds.length === 0 ? 204 : 500;
    } finally {
      await writer.close();
    }
  }
  const sidecar = fleet.replicas['task-api'][0]!.daprd;
  const topic = topicName(TOPICS.tasks, fleet.topicNamespace);
  const response = await fetch(
    `${sidecar.url}/v1.0/publish/taskflow-pubsub/${topic}?metadata.partitionKey=${userId}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dapr-api-token': FLEET_DAPR_API_TOKEN },
      body: JSON.stringify(poison),
    },
  );
  return response.status;
}

/**
 * How many messages a topic holds on the fleet's broker (the stream length, or the offsets, or
 * the topic's JetStream stream; on RabbitMQ, whose exchanges hold nothing,
 * the dead-letter topic's queue: testkit's `deadLetterQueue`). `topic` is the plain name (`events.deadletter`): the fleet's namespace is
 * put in front.
 */
export async function deadLetterCount(fleet: Fleet, topic: string): Promise<number> {
  const name = topicName(topic, fleet.topicNamespace);
  if (fleet.broker === 'rabbitmq') {
    if (topic !== DEAD_LETTER_TOPIC) throw new Error(`RabbitMQ keeps no count for ${topic}`);
    return rabbitmqQueueDepth(deadLetterQueue(fleet.topicNamespace));
  }
  if (fleet.broker === 'jetstream') return jetstreamSubjectCount(name);
  if (fleet.broker === 'redis') {
    const { stdout } = await run('redis-cli', ['-p', String(fleet.redisPort), 'xlen', name]);
    return Number(stdout.trim());
  }
  const stdout = await kafkaTool('org.apache.kafka.tools.GetOffsetShell', ['--topic', name]).catch(
    () => '',
  );
  return stdout
    .split('\n')
    .filter(Boolean)
    .reduce((sum, line) => sum + Number(line.split(':')[2] ?? 0), 0);
}

/**
 * The messages on the fleet's dead-letter topic, oldest first (on Kafka, by partition), each the
 * CloudEvent as it was delivered. Kafka's are read by a console consumer that commits nothing,
 * so every call reads them all.
 */
export async function deadLetters(fleet: Fleet): Promise<DeadLetterCloudEvent[]> {
  const name = topicName(DEAD_LETTER_TOPIC, fleet.topicNamespace);
  let values: string[];
  if (fleet.broker === 'redis') {
    // Dapr's Redis Streams component keeps the message in the entry's `data` field.
    const entries = JSON.parse(await redis(fleet, ['xrange', name, '-', '+'])) as Array<
      [string, string[]]
    >;
    values = entries.map(([, fields]) => fields[fields.indexOf('data') + 1] ?? '');
  } else if (fleet.broker === 'rabbitmq') {
    const queue = deadLetterQueue(fleet.topicNamespace);
    values = await rabbitmqPeek(queue, await rabbitmqQueueDepth(queue));
  } else if (fleet.broker === 'jetstream') {
    values = await jetstreamMessages(name);
  } else {
    const count = await deadLetterCount(fleet, DEAD_LETTER_TOPIC);
    if (count === 0) return [];
    const stdout = await kafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--topic',
      name,
      '--from-beginning',
      '--max-messages',
      String(count),
      '--timeout-ms',
      '30000',
      '--group',
      `${fleet.topicNamespace}-dead-letter-reader`,
      '--consumer-property',
      'enable.auto.commit=false',
    ]);
    values = stdout.split('\n').filter(Boolean);
  }
  return values.map((value) => DeadLetterCloudEvent.parse(JSON.parse(value)));
}

/**
 * The topics of the fleet on its broker: on the shared Kafka, those in its namespace (on the
 * shared RabbitMQ, its exchanges; on the shared NATS, those whose streams hold messages); on Redis, every stream of the fleet's own Redis (a topic is
 * a stream there), whatever its name.
 */
export async function fleetTopics(fleet: Fleet): Promise<string[]> {
  if (fleet.broker === 'kafka') return kafkaTopics(`${fleet.topicNamespace}.`);
  if (fleet.broker === 'rabbitmq') return rabbitmqNames('exchanges', `${fleet.topicNamespace}.`);
  if (fleet.broker === 'jetstream') return jetstreamSubjects(fleet.topicNamespace);
  const streams: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = JSON.parse(
      await redis(fleet, ['scan', cursor, 'type', 'stream', 'count', '1000']),
    ) as [string, string[]];
    streams.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return streams.sort();
}

/** One redis-cli command against the fleet's Redis; resolves with its answer as JSON text. */
async function redis(fleet: Fleet, args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(fleet.redisPort), '--json', ...args]);
  return stdout;
}

/** Polls deadLetterCount until it is above `before` (at most 20 s); resolves with the last count. */
export async function deadLettersAfter(
  fleet: Fleet,
  topic: string,
  before: number,
): Promise<number> {
  let count = before;
  for (let i = 0; i < 100 && count <= before; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    count = await deadLetterCount(fleet, topic);
  }
  return count;
}

/**
 * The consumer groups that read a topic (plain name) on the fleet's broker. Kafka lists every
 * group of the shared broker, so only those of the fleet's namespace are returned there.
 */
export async function consumerGroups(fleet: Fleet, topic: string): Promise<string[]> {
  const name = topicName(topic, fleet.topicNamespace);
  if (fleet.broker === 'redis') {
    const { stdout } = await run('redis-cli', [
      '-p',
      String(fleet.redisPort),
      'xinfo',
      'groups',
      name,
    ]);
    // One field per line, each group's `name` followed by its value.
    const lines = stdout.split('\n').map((line) => line.trim());
    return lines.flatMap((line, i) => (line === 'name' ? [lines[i + 1] ?? ''] : [])).sort();
  }
  if (fleet.broker === 'jetstream') return jetstreamConsumers(name);
  if (fleet.broker === 'rabbitmq') {
    // Dapr's component names a subscriber's queue `<consumerID>-<topic>`.
    const suffix = `-${name}`;
    return (await rabbitmqNames('queues', `${fleet.topicNamespace}-`))
      .filter((queue) => queue.endsWith(suffix))
      .map((queue) => queue.slice(0, -suffix.length));
  }
  const stdout = await kafkaTool('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', [
    '--list',
  ]);
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((group) => group.startsWith(`${fleet.topicNamespace}-`))
    .sort();
}

/** The topics of the shared Kafka whose names begin with `prefix`. */
export async function kafkaTopics(prefix: string): Promise<string[]> {
  const stdout = await kafkaTool('org.apache.kafka.tools.TopicCommand', ['--list']);
  return stdout
    .split('\n')
    .filter((topic) => topic.startsWith(prefix))
    .sort();
}

/** One of Kafka's command-line tools against the shared broker; resolves with its stdout. */
async function kafkaTool(tool: string, args: string[]): Promise<string> {
  const cache = process.env.TASKFLOW_CACHE ?? join(homedir(), '.cache', 'taskflow');
  const version = readdirSync(join(cache, 'kafka')).find((name) => /^\d+\.\d+\.\d+$/.test(name));
  if (!version) throw new Error('no Kafka in the cache: run scripts/provision/kafka.sh');
  const bootstrap = kafkaBrokers();
  const { stdout } = await run(
    'java',
    [
      '-cp',
      join(cache, 'kafka', version, 'libs', '*'),
      tool,
      '--bootstrap-server',
      bootstrap,
      ...args,
    ],
    { timeout: 60_000 },
  );
  return stdout;
}
