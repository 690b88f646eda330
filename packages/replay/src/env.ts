import { env } from '@taskflow/service-kit';
import { z } from 'zod';
import { UsageError } from './errors.ts';

// The services' own variables, parsed by the same fragments (service-kit's `env`), so the CLI
// runs beside any of them, with their environment: against their sidecar, or, with
// USE_DAPR=false, on their Kafka (the seed's KAFKA_* variables, read by @taskflow/kafka).

const DatabaseEnv = z.object({ DATABASE_URL: env.postgresUrl });

const { USE_DAPR, DAPR_HTTP_PORT, DAPR_API_TOKEN, PUBSUB_NAME, TOPIC_NAMESPACE } = env.messaging;
const PublishEnv = DatabaseEnv.extend({
  USE_DAPR,
  DAPR_HTTP_PORT,
  DAPR_API_TOKEN,
  /** The pub/sub component; on direct Kafka, the CloudEvent's `pubsubname`, as daprd sets it. */
  PUBSUB_NAME,
  /** The fleet's topic namespace: republished events go where its relays publish. */
  TOPIC_NAMESPACE,
});

export type DatabaseEnv = z.infer<typeof DatabaseEnv>;
export type PublishEnv = z.infer<typeof PublishEnv>;

export const databaseEnv = (vars: NodeJS.ProcessEnv = process.env) => read(DatabaseEnv, vars);
export const publishEnv = (vars: NodeJS.ProcessEnv = process.env) => read(PublishEnv, vars);

/** Parses the environment; every bad or missing variable is named in one UsageError. */
function read<S extends z.ZodType>(schema: S, vars: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(vars);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new UsageError(`invalid environment\n  ${problems.join('\n  ')}`);
}
