import { topicName } from '@taskflow/contracts';
import type { Messaging } from '@taskflow/messaging';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  KafkaConnectionError,
  kafkaMessaging,
  RecordWriter,
  type KafkaSettings,
} from '../src/index.ts';
import {
  deleteNamespace,
  eventually,
  freshNamespace,
  outgoing,
  recordingLog,
  saslSettings,
  serveOne,
} from './harness.ts';

// The local broker's SASL_SSL listener (scripts/provision/kafka.sh): SCRAM-SHA-256 over TLS with
// a self-signed CA, as Redpanda Cloud has SASL over TLS (with a public CA).
const namespace = freshNamespace();
const running: Messaging[] = [];

function messagingOver(settings: KafkaSettings, received: unknown[] = []) {
  const messaging = kafkaMessaging({
    settings,
    appId: 'sasl-app',
    topicNamespace: namespace,
    log: recordingLog(),
  });
  running.push(messaging);
  void serveOne(messaging, {
    topic: 'tasks.events',
    handler: (payload) => (received.push(payload), 'SUCCESS'),
  });
  return messaging;
}

async function startFailure(settings: KafkaSettings) {
  const error = await messagingOver(settings)
    .start()
    .then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
  if (!(error instanceof KafkaConnectionError)) {
    throw new Error(`expected a KafkaConnectionError, got ${String(error)}`);
  }
  return error;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((messaging) => messaging.stop()));
});

afterAll(() => deleteNamespace(namespace));

describe('kafkaMessaging over SASL_SSL', () => {
  it('connects with SCRAM-SHA-256 and the test CA, publishes and delivers', async () => {
    // The topic first, so that the group's first fetch finds it.
    const writer = new RecordWriter(saslSettings(), 'sasl-writer');
    await writer.connect([topicName('tasks.events', namespace)]);
    await writer.close();
    const received: unknown[] = [];
    const messaging = messagingOver(saslSettings(), received);
    await messaging.start();
    await eventually('ready', () => messaging.ready());
    const event = outgoing('sasl-user', 1);
    expect(await messaging.publisher.publishBatch('tasks.events', [event])).toEqual({
      failedEventIds: [],
    });
    await eventually('the event delivered', () => received.length > 0);
    expect(received).toEqual([JSON.parse(event.envelopeJson)]);
  });

  it('refuses to start with a wrong password: authentication, naming the variables', async () => {
    const error = await startFailure(saslSettings({ KAFKA_SASL_PASSWORD: 'wrong-password-5e1d' }));
    expect(error.reason).toBe('authentication');
    expect(error.message).toContain('KAFKA_SASL_PASSWORD');
    expect(error.message).not.toContain('wrong-password-5e1d');
  });

  it('refuses to start without the CA: the certificate is verified by default', async () => {
    const error = await startFailure(saslSettings({ KAFKA_SSL_CA_FILE: undefined }));
    expect(error.reason).toBe('untrusted-certificate');
    expect(error.message).toContain('KAFKA_SSL_CA_FILE');
  });
});
