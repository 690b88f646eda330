import { TopicNamespace } from '@taskflow/contracts';
import { z } from 'zod';
import { UsageError } from './errors.ts';

// The same variable names and defaults as the services (task-api's config.ts), so the CLI can
// run beside any of them, with their environment, against their sidecar.

const port = z.coerce
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int({ error: 'must be a whole number from 1 to 65535' })
  .min(1, { error: 'must be a whole number from 1 to 65535' })
  .max(65535, { error: 'must be a whole number from 1 to 65535' });

const DatabaseEnv = z.object({
  DATABASE_URL: z
    .string({ error: 'is required' })
    .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL'),
});

const DaprEnv = DatabaseEnv.extend({
  DAPR_HTTP_PORT: port.default(3500),
  DAPR_API_TOKEN: z.string().min(1).optional(),
  PUBSUB_NAME: z.string().min(1).default('taskflow-pubsub'),
  /** The fleet's topic namespace: republished events go where its relays publish. */
  TOPIC_NAMESPACE: TopicNamespace.default(''),
});

export type DatabaseEnv = z.infer<typeof DatabaseEnv>;
export type DaprEnv = z.infer<typeof DaprEnv>;

export const databaseEnv = (env: NodeJS.ProcessEnv = process.env) => read(DatabaseEnv, env);
export const daprEnv = (env: NodeJS.ProcessEnv = process.env) => read(DaprEnv, env);

/** Parses the environment; every bad or missing variable is named in one UsageError. */
function read<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new UsageError(`invalid environment\n  ${problems.join('\n  ')}`);
}
