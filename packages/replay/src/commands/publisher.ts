import { createDaprClient, daprPublisher } from '@taskflow/dapr';
import {
  checkConnection,
  KafkaConnectionError,
  kafkaPublisher,
  RecordWriter,
} from '@taskflow/kafka';
import type { EventPublisher } from '@taskflow/outbox';
import { directKafkaSettings } from '@taskflow/runtime';
import { ConfigError } from '@taskflow/service-kit';
import type { PublishEnv } from '../env.ts';
import { UnreachableError, UsageError } from '../errors.ts';

/** The CloudEvents' `source`: republished events come from this tool, not from their service. */
const SOURCE = 'taskflow-replay';

export interface OpenPublisher {
  publisher: EventPublisher;
  close(): Promise<void>;
}

/**
 * The publisher the services' relays use, as the environment chooses it: through a sidecar that
 * answers (USE_DAPR, the default), or straight to Kafka (USE_DAPR=false with
 * KAFKA_BOOTSTRAP_SERVERS), writing what daprd would. The in-process bus has no subscriber
 * outside its one process, so there is nothing to republish to.
 */
export async function openPublisher(
  config: PublishEnv,
  env: NodeJS.ProcessEnv,
): Promise<OpenPublisher> {
  if (config.USE_DAPR) return { publisher: await sidecarPublisher(config), close: async () => {} };
  const settings = kafkaSettings(config, env);
  if (!settings) {
    throw new UsageError(
      'republish needs a broker: with USE_DAPR=false, set KAFKA_BOOTSTRAP_SERVERS (and the ' +
        'other KAFKA_* variables) as the services have them. On the in-process bus of one ' +
        'process (no KAFKA_BOOTSTRAP_SERVERS) events reach no subscriber outside that process',
    );
  }
  try {
    await checkConnection(settings);
  } catch (error) {
    if (!(error instanceof KafkaConnectionError)) throw error;
    // Down may come back; wrong credentials or certificates are the environment's fault.
    if (error.reason === 'unreachable') throw new UnreachableError(error.message, { cause: error });
    throw new UsageError(error.message, { cause: error });
  }
  const writer = new RecordWriter(settings, SOURCE);
  await writer.connect([]);
  return {
    publisher: kafkaPublisher(writer, {
      appId: SOURCE,
      pubsub: config.PUBSUB_NAME,
      topicNamespace: config.TOPIC_NAMESPACE,
    }),
    close: () => writer.close(),
  };
}

/** The services' own choice of direct Kafka (@taskflow/runtime); a bad KAFKA_* is a usage error. */
function kafkaSettings(config: PublishEnv, env: NodeJS.ProcessEnv) {
  try {
    return directKafkaSettings(config, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

async function sidecarPublisher(config: PublishEnv): Promise<EventPublisher> {
  const dapr = createDaprClient({
    httpPort: config.DAPR_HTTP_PORT,
    apiToken: config.DAPR_API_TOKEN,
  });
  try {
    await dapr.waitForSidecar({ timeoutMs: 10_000 });
  } catch (error) {
    throw new UnreachableError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  return daprPublisher(dapr, config.PUBSUB_NAME, SOURCE, config.TOPIC_NAMESPACE);
}
