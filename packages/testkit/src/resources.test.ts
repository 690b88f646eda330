import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { changeResourceFile } from './resources.ts';

const components = fileURLToPath(new URL('../../../dapr/components/', import.meta.url));
const read = (file: string) => readFileSync(join(components, file), 'utf8');
const parsed = (text: string) =>
  parseAllDocuments(text).map(
    (doc) =>
      doc.toJS() as {
        kind: string;
        metadata: { name: string };
        spec: {
          topic?: string;
          deadLetterTopic?: string;
          metadata?: Array<{ name: string; value: string }>;
        };
      },
  );
const metadataOf = (doc: ReturnType<typeof parsed>[number]) =>
  Object.fromEntries((doc.spec.metadata ?? []).map((m) => [m.name, m.value]));

describe('changeResourceFile', () => {
  it('namespaces every subscription topic and the dead-letter topic, nothing else', () => {
    const committed = read('common/subscriptions.yaml');
    const docs = parsed(changeResourceFile(committed, { namespace: 'dev' }));
    expect(docs.map((d) => [d.metadata.name, d.spec.topic, d.spec.deadLetterTopic])).toEqual([
      ['ws-notifier-tasks', 'dev.tasks.events', 'dev.events.deadletter'],
      ['ws-notifier-reminders', 'dev.reminders.events', 'dev.events.deadletter'],
      ['scheduler-tasks', 'dev.tasks.events', 'dev.events.deadletter'],
      ['reminder-worker-tasks', 'dev.tasks.events', 'dev.events.deadletter'],
      ['reminder-worker-reminders', 'dev.reminders.events', 'dev.events.deadletter'],
    ]);
    // Only those fields differ from the committed documents.
    const original = parsed(committed);
    docs.forEach((doc, i) => {
      expect({ ...doc, spec: { ...doc.spec, topic: '', deadLetterTopic: '' } }).toEqual({
        ...original[i],
        spec: { ...original[i]!.spec, topic: '', deadLetterTopic: '' },
      });
    });
  });

  it('namespaces the Kafka consumer groups and swaps in the broker address', () => {
    const changes = { namespace: 'mj4x0c2a9f1k', addresses: { kafka: '127.0.0.1:19092' } };
    const shared = metadataOf(
      parsed(changeResourceFile(read('pubsub-kafka/pubsub.yaml'), changes))[0]!,
    );
    const fanout = metadataOf(
      parsed(changeResourceFile(read('pubsub-kafka/fanout.yaml'), changes))[0]!,
    );
    expect(shared).toMatchObject({
      consumerGroup: 'mj4x0c2a9f1k-{appID}',
      clientID: '{appID}',
      brokers: '127.0.0.1:19092',
      initialOffset: 'oldest',
    });
    expect(fanout).toMatchObject({
      consumerGroup: 'mj4x0c2a9f1k-{podName}',
      brokers: '127.0.0.1:19092',
    });
  });

  it('namespaces the Redis Streams consumer ids and swaps the Redis address everywhere', () => {
    const changes = { namespace: 'dev', addresses: { redis: '127.0.0.1:16379' } };
    const pubsub = metadataOf(
      parsed(changeResourceFile(read('pubsub-redis/pubsub.yaml'), changes))[0]!,
    );
    const state = metadataOf(
      parsed(changeResourceFile(read('state-redis/statestore.yaml'), changes))[0]!,
    );
    expect(pubsub).toMatchObject({ consumerID: 'dev-{appID}', redisHost: '127.0.0.1:16379' });
    expect(state).toMatchObject({ redisHost: '127.0.0.1:16379' });
  });

  it('namespaces the RabbitMQ consumer ids (its queue names) and swaps in the AMQP URL', () => {
    const url = 'amqp://guest:guest@127.0.0.1:15673';
    const changes = { namespace: 'mj4x0c2a9f1k', addresses: { rabbitmq: url } };
    const [pubsub, fanout] = ['pubsub', 'fanout'].map((file) =>
      metadataOf(parsed(changeResourceFile(read(`pubsub-rabbitmq/${file}.yaml`), changes))[0]!),
    );
    expect(pubsub).toMatchObject({ consumerID: 'mj4x0c2a9f1k-{appID}', connectionString: url });
    expect(fanout).toMatchObject({ consumerID: 'mj4x0c2a9f1k-{podName}', connectionString: url });
    // What makes a restarted broker keep what it acknowledged stays as committed.
    expect(pubsub).toMatchObject({
      durable: 'true',
      deletedWhenUnused: 'false',
      deliveryMode: '2',
    });
  });

  it('namespaces the JetStream durable consumer and queue group, and swaps in the NATS URL', () => {
    const url = 'nats://127.0.0.1:14222';
    const changes = { namespace: 'mj4x0c2a9f1k', addresses: { jetstream: url } };
    const [pubsub, fanout] = ['pubsub', 'fanout'].map((file) =>
      metadataOf(parsed(changeResourceFile(read(`pubsub-jetstream/${file}.yaml`), changes))[0]!),
    );
    expect(pubsub).toMatchObject({
      durableName: 'mj4x0c2a9f1k-{appID}',
      queueGroupName: 'mj4x0c2a9f1k-{appID}',
      natsURL: url,
      concurrency: 'parallel',
    });
    expect(fanout).toMatchObject({ durableName: 'mj4x0c2a9f1k-{podName}', natsURL: url });
    expect(fanout).not.toHaveProperty('queueGroupName'); // every replica its own consumer
  });

  it('keeps the comments, and in the empty namespace every value as committed', () => {
    for (const [file, comment] of [
      ['common/subscriptions.yaml', '# Every subscription of taskflow, declared here'],
      ['pubsub-kafka/pubsub.yaml', '# A group that has never committed starts at the beginning'],
    ] as const) {
      const committed = read(file);
      const copy = changeResourceFile(committed, { namespace: '' });
      expect(parsed(copy)).toEqual(parsed(committed));
      expect(copy).toContain(comment);
    }
  });

  it('refuses a file that is not YAML', () => {
    expect(() => changeResourceFile('a: [1, 2', { namespace: 'dev' })).toThrow(/invalid YAML/);
  });
});
