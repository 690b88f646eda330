import { createDaprClient, daprMessaging } from '@taskflow/dapr';
import { kafkaMessaging, kafkaSettingsFromEnv, type KafkaSettings } from '@taskflow/kafka';
import { inProcessBus, type Messaging } from '@taskflow/messaging';
import type { Logger } from '@taskflow/service-kit';

/** The messaging settings of every service (service-kit's `env.messaging`). */
export interface MessagingConfig {
  USE_DAPR: boolean;
  DAPR_HTTP_PORT: number;
  DAPR_API_TOKEN?: string | undefined;
  APP_API_TOKEN?: string | undefined;
  PUBSUB_NAME: string;
  TOPIC_NAMESPACE: string;
}

/**
 * The service's messaging, as its environment says: the Dapr sidecar by default; with
 * USE_DAPR=false, direct Kafka when KAFKA_BOOTSTRAP_SERVERS is set (a bad KAFKA_* variable stops
 * the process here, naming it), else the in-process bus.
 */
export function createMessaging(
  service: string,
  config: MessagingConfig,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Messaging {
  if (config.USE_DAPR) {
    return daprMessaging({
      dapr: createDaprClient({ httpPort: config.DAPR_HTTP_PORT, apiToken: config.DAPR_API_TOKEN }),
      appId: service,
      pubsub: config.PUBSUB_NAME,
      topicNamespace: config.TOPIC_NAMESPACE,
      appApiToken: config.APP_API_TOKEN,
    });
  }
  const kafka = directKafkaSettings(config, env);
  if (kafka) {
    return kafkaMessaging({
      settings: kafka,
      appId: service,
      topicNamespace: config.TOPIC_NAMESPACE,
      log: logger,
    });
  }
  return inProcessBus({ log: logger });
}

/**
 * The direct Kafka settings when the environment asks for them (USE_DAPR=false and
 * KAFKA_BOOTSTRAP_SERVERS set), else undefined. Throws ConfigError naming every bad KAFKA_*
 * variable: call it first thing to refuse a bad environment before anything starts.
 */
export function directKafkaSettings(
  config: Pick<MessagingConfig, 'USE_DAPR'>,
  env: NodeJS.ProcessEnv = process.env,
): KafkaSettings | undefined {
  if (config.USE_DAPR || !env.KAFKA_BOOTSTRAP_SERVERS) return undefined;
  return kafkaSettingsFromEnv(env);
}
