import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEAD_LETTER_TOPIC, topicName } from '@taskflow/contracts';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../scripts/provision/rabbitmq.sh', import.meta.url));

/** The shared local RabbitMQ (scripts/provision/all.sh exports RABBITMQ_URL). */
export const rabbitmqUrl = (): string =>
  process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** Its management API (the plugin rabbitmq.sh enables), as the guest user from 127.0.0.1. */
const managementUrl = (): string =>
  process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672/api';

/**
 * One call to the management API. A 5xx is tried again for up to 5 s: the API answers 500 for a
 * queue declared a moment ago whose statistics it has not collected yet.
 */
async function management(path: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${managementUrl()}/${path}`, {
      ...init,
      headers: {
        authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`,
        'content-type': 'application/json',
      },
    });
    if (response.status >= 500 && attempt < 25) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    if (!response.ok && response.status !== 404) {
      throw new Error(
        `RabbitMQ management ${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`,
      );
    }
    return response;
  }
}

const vhost = encodeURIComponent('/');
const queuePath = (queue: string) => `queues/${vhost}/${encodeURIComponent(queue)}`;

/**
 * Where a fleet's dead letters stay on RabbitMQ. A topic is a fanout exchange there, and an
 * exchange keeps nothing: a message published to one no queue is bound to is dropped. Nothing
 * subscribes to the dead-letter topic, so this queue, bound to it, holds what daprd and
 * packages/dapr dead-letter (docs/brokers.md: operators declare the same, `dead-letters`).
 */
export const deadLetterQueue = (namespace: string): string =>
  namespace === '' ? 'dead-letters' : `${namespace}-dead-letters`;

/**
 * Declares the fleet's dead-letter exchange (as Dapr's component declares exchanges: fanout,
 * durable, kept when unused) and the durable queue bound to it.
 */
export async function declareDeadLetterQueue(namespace: string): Promise<void> {
  const exchange = topicName(DEAD_LETTER_TOPIC, namespace);
  const queue = deadLetterQueue(namespace);
  await management(`exchanges/${vhost}/${encodeURIComponent(exchange)}`, {
    method: 'PUT',
    body: JSON.stringify({ type: 'fanout', durable: true, auto_delete: false, internal: false }),
  });
  await management(queuePath(queue), {
    method: 'PUT',
    body: JSON.stringify({ durable: true, auto_delete: false, arguments: {} }),
  });
  await management(
    `bindings/${vhost}/e/${encodeURIComponent(exchange)}/q/${encodeURIComponent(queue)}`,
    {
      method: 'POST',
      body: JSON.stringify({ routing_key: '' }),
    },
  );
}

/**
 * How many messages a queue holds (ready and unacknowledged); 0 for a queue that is not there.
 * Asked of the node (rabbitmqctl, through rabbitmq.sh), not the management API: after a broker
 * restart its queue statistics answered 500 (`badkey`) for minutes, list and page alike.
 */
export async function rabbitmqQueueDepth(queue: string): Promise<number> {
  const { stdout } = await run('bash', [script, 'depth', queue], { timeout: 30_000 });
  return Number(stdout.trim());
}

/**
 * The messages a queue holds, oldest first, as their bodies; each is put back (requeued), so
 * every call reads them all.
 */
export async function rabbitmqPeek(queue: string, count: number): Promise<string[]> {
  const response = await management(`${queuePath(queue)}/get`, {
    method: 'POST',
    body: JSON.stringify({ count, ackmode: 'ack_requeue_true', encoding: 'auto' }),
  });
  if (response.status === 404) return [];
  const messages = (await response.json()) as Array<{ payload: string; payload_encoding: string }>;
  return messages.map((message) =>
    message.payload_encoding === 'base64'
      ? Buffer.from(message.payload, 'base64').toString('utf8')
      : message.payload,
  );
}

/** The names of the broker's queues or exchanges that begin with `prefix`, sorted. */
export async function rabbitmqNames(
  kind: 'queues' | 'exchanges',
  prefix: string,
): Promise<string[]> {
  const response = await management(`${kind}/${vhost}?columns=name`);
  const items = (await response.json()) as Array<{ name: string }>;
  return items
    .map((item) => item.name)
    .filter((name) => name.startsWith(prefix))
    .sort();
}

/** One fleet's queues and exchanges, deleted from the shared RabbitMQ (rabbitmq.sh). */
export async function deleteRabbitmqNamespace(namespace: string): Promise<void> {
  await run('bash', [script, 'delete-namespace', namespace], { timeout: 60_000 });
}
