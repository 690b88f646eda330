import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isMap, isSeq, parseAllDocuments, type Document } from 'yaml';
import { consumerGroupName, topicName } from '@taskflow/contracts';

/** What sets one fleet's copy of the dapr/ resources apart from the committed files. */
export interface ResourceChanges {
  /** TOPIC_NAMESPACE of the fleet: its topics and consumer groups. '' leaves them as committed. */
  namespace: string;
  /**
   * Broker addresses in place of the committed 127.0.0.1 ones (`redisHost`, `brokers`,
   * RabbitMQ's `connectionString`, JetStream's `natsURL`).
   */
  addresses?: { redis?: string; kafka?: string; rabbitmq?: string; jetstream?: string };
}

/**
 * Component metadata that names a consumer group: Kafka's, Redis Streams' and RabbitMQ's
 * consumer id, JetStream's durable consumer and queue group.
 */
const GROUP_FIELDS = new Set(['consumerGroup', 'consumerID', 'durableName', 'queueGroupName']);

/**
 * One resource (a parsed YAML document) changed for a fleet, in place, comments kept:
 * a Subscription's `topic` and `deadLetterTopic` get the namespace (`dev.tasks.events`,
 * `dev.events.deadletter`: where packages/dapr dead-letters in that namespace too), a
 * component's consumer group too (`dev-{appID}`), and broker addresses are swapped in.
 * Everything else stays as committed, so the fleet runs what operators run.
 */
export function changeResource(doc: Document, changes: ResourceChanges): void {
  const { namespace, addresses = {} } = changes;
  if (doc.get('kind') === 'Subscription') {
    for (const field of ['topic', 'deadLetterTopic']) {
      const topic = doc.getIn(['spec', field]);
      if (typeof topic === 'string') doc.setIn(['spec', field], topicName(topic, namespace));
    }
    return;
  }
  const metadata = doc.getIn(['spec', 'metadata']);
  if (!isSeq(metadata)) return;
  for (const entry of metadata.items) {
    if (!isMap(entry)) continue;
    const name = entry.get('name');
    const value = entry.get('value');
    if (typeof name !== 'string' || typeof value !== 'string') continue;
    if (GROUP_FIELDS.has(name)) entry.set('value', consumerGroupName(value, namespace));
    else if (name === 'redisHost' && addresses.redis) entry.set('value', addresses.redis);
    else if (name === 'brokers' && addresses.kafka) entry.set('value', addresses.kafka);
    else if (name === 'connectionString' && addresses.rabbitmq) {
      entry.set('value', addresses.rabbitmq);
    } else if (name === 'natsURL' && addresses.jetstream) entry.set('value', addresses.jetstream);
  }
}

/** A YAML file's text with every document in it changed by changeResource. */
export function changeResourceFile(text: string, changes: ResourceChanges): string {
  const docs = parseAllDocuments(text);
  return docs
    .map((doc, index) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
      changeResource(doc, changes);
      // The separator between documents is the document start marker of the next one.
      if (index > 0) doc.directives.docStart = true;
      return doc.toString();
    })
    .join('');
}

/**
 * Copies component folders (each as a folder of the same name) into a new temporary directory,
 * every YAML file changed by changeResourceFile. Returns the directory (remove it when done)
 * and the copied folders, to pass to daprd as `--resources-path`s.
 */
export function renderResources(
  folders: string[],
  changes: ResourceChanges,
): { dir: string; paths: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'taskflow-dapr-'));
  const paths = folders.map((folder) => {
    const target = join(dir, basename(folder));
    cpSync(folder, target, { recursive: true });
    for (const file of readdirSync(target).filter((name) => /\.ya?ml$/.test(name))) {
      const path = join(target, file);
      writeFileSync(path, changeResourceFile(readFileSync(path, 'utf8'), changes));
    }
    return target;
  });
  return { dir, paths };
}
