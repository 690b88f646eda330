import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { JetStreamApiError, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../scripts/provision/jetstream.sh', import.meta.url));

/** The shared local NATS server with JetStream (scripts/provision/all.sh exports NATS_URL). */
export const jetstreamUrl = (): string => process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * The stream that holds a topic (its full name, `<namespace>.tasks.events`): one per topic,
 * named after it (scripts/provision/jetstream.sh says why).
 */
export const streamOf = (subject: string): string => subject.replaceAll('.', '-');

/**
 * The streams of a fleet's namespace, one per topic of taskflow. Dapr's component creates
 * consumers only, and a publish to a subject no stream holds fails, so they are made before
 * any sidecar starts.
 */
export async function createJetstreamNamespace(namespace: string): Promise<void> {
  await run('bash', [script, 'create-namespace', namespace], { timeout: 30_000 });
}

/** A fleet's streams, and with them their consumers, deleted from the shared server. */
export async function deleteJetstreamNamespace(namespace: string): Promise<void> {
  await run('bash', [script, 'delete-namespace', namespace], { timeout: 30_000 });
}

async function withManager<T>(use: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const connection = await connect({ servers: jetstreamUrl(), timeout: 5_000 });
  try {
    return await use(await jetstreamManager(connection));
  } finally {
    await connection.close();
  }
}

/** How many messages a topic (full name) holds: its stream's, 0 without one. */
export async function jetstreamSubjectCount(subject: string): Promise<number> {
  return withManager(async (jsm) => {
    const info = await jsm.streams.info(streamOf(subject)).catch(notFoundAs(null));
    return info?.state.messages ?? 0;
  });
}

/** The topics (full names) of a namespace whose streams hold messages, sorted. */
export async function jetstreamSubjects(namespace: string): Promise<string[]> {
  return withManager(async (jsm) => {
    const subjects: string[] = [];
    for await (const stream of jsm.streams.list()) {
      if (!stream.config.name.startsWith(`${namespace}-`) || stream.state.messages === 0) continue;
      subjects.push(...stream.config.subjects);
    }
    return subjects.sort();
  });
}

/** The durable consumers of a topic (full name), by name, sorted. */
export async function jetstreamConsumers(subject: string): Promise<string[]> {
  return withManager(async (jsm) => {
    const names: string[] = [];
    for await (const consumer of jsm.consumers.list(streamOf(subject))) {
      if (consumer.config.durable_name) names.push(consumer.config.durable_name);
    }
    return names.sort();
  });
}

/**
 * The messages a topic (full name) holds, oldest first, as their bodies. Read one sequence
 * number at a time: a test fleet's stream holds a few hundred messages at most.
 */
export async function jetstreamMessages(subject: string): Promise<string[]> {
  return withManager(async (jsm) => {
    const stream = streamOf(subject);
    const info = await jsm.streams.info(stream).catch(notFoundAs(null));
    if (!info || info.state.messages === 0) return [];
    const bodies: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      // A sequence number can be a gap (a message deleted or expired).
      const message = await jsm.streams.getMessage(stream, { seq }).catch(notFoundAs(null));
      if (message) bodies.push(message.string());
    }
    return bodies;
  });
}

/** A catch handler: `value` for JetStream's "not found" (stream or message), rethrow the rest. */
function notFoundAs<T>(value: T): (error: unknown) => T {
  return (error) => {
    // 10059: stream not found; 10037: no message found.
    if (error instanceof JetStreamApiError && (error.code === 10059 || error.code === 10037)) {
      return value;
    }
    throw error;
  };
}
