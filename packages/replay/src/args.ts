import { parseArgs } from 'node:util';
import { z } from 'zod';
import { TOPICS, UserId, Uuid } from '@taskflow/contracts';
import { UsageError } from './errors.ts';

export const USAGE = `Usage:
  pnpm replay verify [--user <id>] [--batch-size <n>] [--json]
      Folds the event store (or one user's events: their tasks and the projects they
      created) into a fresh projection and compares it field by field with the tasks,
      projects and project_members tables. Exit 0: identical; 1: differences (all printed).

  pnpm replay republish --since <time|duration|event_id> [--user <id>] [--topic <topic>]
                        [--rate <events/s>] [--batch-size <n>] [--resume-file <path>] [--dry-run]
      Publishes stored events again through the services' broker (a Dapr sidecar, or Kafka
      with USE_DAPR=false), with their original event ids.
      --since        2026-11-28T20:00:00Z (an instant with its offset), 90m / 1h / 2d (that long
                     ago), or an event id (from that event on, inclusive)
      --topic        ${Object.values(TOPICS).join(' or ')} (default: both)
      --rate         events per second, at most (default 500)
      --resume-file  where the last seq done is kept; run again with it to continue
      --dry-run      count what would be sent, send nothing
      Environment: DATABASE_URL, DAPR_HTTP_PORT (3500), DAPR_API_TOKEN, PUBSUB_NAME
      (taskflow-pubsub), TOPIC_NAMESPACE (empty; the fleet's, e.g. dev for dev.tasks.events);
      USE_DAPR=false with KAFKA_BOOTSTRAP_SERVERS and the other KAFKA_* variables: to Kafka.
      Exit 0: done; 1: the broker kept refusing (resume later); 130: stopped.

  Exit 2: bad arguments or environment; 3: could not run (database, sidecar or Kafka
  unreachable, or an unexpected error, printed).`;

/** Where `republish` starts. */
export type Since =
  | { kind: 'time'; at: Date; text: string }
  | { kind: 'ago'; ms: number; text: string }
  | { kind: 'event'; eventId: string; text: string };

const UNITS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const SinceArg = z.string().transform((text, ctx): Since => {
  if (Uuid.safeParse(text).success) return { kind: 'event', eventId: text.toLowerCase(), text };
  const ago = /^(\d{1,6})([mhd])$/.exec(text);
  if (ago) return { kind: 'ago', ms: Number(ago[1]) * UNITS[ago[2] as keyof typeof UNITS], text };
  if (z.iso.datetime({ offset: true }).safeParse(text).success) {
    const at = new Date(text);
    if (at.getTime() > Date.now()) {
      ctx.addIssue({ code: 'custom', message: `${text} is in the future: nothing happened since` });
      return z.NEVER;
    }
    return { kind: 'time', at, text };
  }
  ctx.addIssue({
    code: 'custom',
    message:
      'must be an instant with its offset (2026-11-28T20:00:00Z), a duration ago ' +
      '(90m, 1h, 2d) or an event id (a UUID)',
  });
  return z.NEVER;
});

const count = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be a whole number from ${min} to ${max}` })
    .max(max, { error: `must be a whole number from ${min} to ${max}` })
    .default(fallback);

const VerifyArgs = z.object({
  user: UserId.optional(),
  'batch-size': count(1, 50_000, 5_000),
  json: z.boolean().default(false),
});

const RepublishArgs = z.object({
  since: SinceArg,
  user: UserId.optional(),
  topic: z
    .enum(Object.values(TOPICS) as [string, ...string[]], {
      error: `must be ${Object.values(TOPICS).join(' or ')}`,
    })
    .optional(),
  rate: z.coerce
    .number({ error: 'must be a number of events per second, above 0 and at most 100000' })
    .positive({ error: 'must be a number of events per second, above 0 and at most 100000' })
    .max(100_000, { error: 'must be a number of events per second, above 0 and at most 100000' })
    .default(500),
  'batch-size': count(1, 5_000, 500),
  'resume-file': z.string().min(1).optional(),
  'dry-run': z.boolean().default(false),
});

export type Command =
  | { command: 'help' }
  | {
      command: 'verify';
      userId: string | undefined;
      batchSize: number;
      json: boolean;
    }
  | {
      command: 'republish';
      since: Since;
      userId: string | undefined;
      topic: string | undefined;
      rate: number;
      batchSize: number;
      resumeFile: string | undefined;
      dryRun: boolean;
    };

const OPTIONS = {
  verify: {
    user: { type: 'string' },
    'batch-size': { type: 'string' },
    json: { type: 'boolean' },
  },
  republish: {
    since: { type: 'string' },
    user: { type: 'string' },
    topic: { type: 'string' },
    rate: { type: 'string' },
    'batch-size': { type: 'string' },
    'resume-file': { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
} as const;

/** The command the arguments ask for; throws UsageError naming every problem. */
export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    return { command: 'help' };
  }
  if (name !== 'verify' && name !== 'republish') {
    throw new UsageError(`unknown command ${JSON.stringify(name)}: use verify or republish`);
  }
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({ args: rest, options: OPTIONS[name], strict: true });
    values = parsed.values;
  } catch (error) {
    // node:util's messages name the option ("Unknown option '--usr'"); keep them.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (name === 'verify') {
    const args = check(VerifyArgs, values);
    return { command: 'verify', userId: args.user, batchSize: args['batch-size'], json: args.json };
  }
  if (values.since === undefined) throw new UsageError('--since is required');
  const args = check(RepublishArgs, values);
  return {
    command: 'republish',
    since: args.since,
    userId: args.user,
    topic: args.topic,
    rate: args.rate,
    batchSize: args['batch-size'],
    resumeFile: args['resume-file'],
    dryRun: args['dry-run'],
  };
}

function check<S extends z.ZodType>(schema: S, values: Record<string, unknown>): z.infer<S> {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `--${issue.path.join('.')} ${issue.message}`);
  throw new UsageError(problems.join('\n'));
}
