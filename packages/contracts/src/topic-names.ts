import { z } from 'zod';

/**
 * TOPIC_NAMESPACE: what sets one fleet's topics and consumer groups apart from another's on the
 * same broker (the dev fleet uses `dev`, each test fleet one of its own). Empty, the default,
 * leaves every name exactly as the seed gives it (`tasks.events`), as production runs.
 * Kafka's topic characters only (`[a-zA-Z0-9._-]`), and short enough that the longest name made
 * from it, `<namespace>.events.deadletter` (82 characters at 64), stays well within Kafka's 249.
 */
export const TopicNamespace = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(
    /^[a-zA-Z0-9._-]*$/,
    'may hold only letters, digits, ".", "_" and "-" (Kafka topic rules)',
  );

/**
 * The name a topic (`tasks.events`, or the dead-letter topic `events.deadletter`) has on the
 * broker in a namespace: `dev.tasks.events`; in the empty namespace, the topic itself. Every
 * publisher, subscriber and tool derives broker topic names here.
 */
export function topicName(topic: string, namespace: string): string {
  return namespace === '' ? topic : `${namespace}.${topic}`;
}

/**
 * A consumer group in a namespace (`{appID}` -> `dev-{appID}`): another fleet's consumers with the
 * same app id never join it. Groups take `-`, as Dapr's own templates read best that way.
 */
export function consumerGroupName(group: string, namespace: string): string {
  return namespace === '' ? group : `${namespace}-${group}`;
}
