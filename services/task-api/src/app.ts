import { isDatabaseUnavailable, type Database } from '@taskflow/db';
import type { Outbox } from '@taskflow/outbox';
import {
  type AllowedOrigins,
  addressKey,
  createApp,
  principalKey,
  rateLimitHook,
  type RateLimiter,
  Histogram,
  registerHealth,
  registerMetrics,
  registerOpenApi,
  type Registry,
  requireUserPath,
  type App,
  type Logger,
  type VerifyToken,
} from '@taskflow/service-kit';
import type { DestinationOptions } from '@taskflow/outbound';
import { channelCommands } from './channels/commands.ts';
import { channelRoutes } from './routes/channels.ts';
import { emailLinkRoutes } from './routes/email-links.ts';
import { projectCommands } from './projects/commands.ts';
import { projectRoutes } from './routes/projects.ts';
import { recurrenceRoutes } from './routes/recurrence.ts';
import { reminderRoutes } from './routes/reminders.ts';
import { reminderCommands } from './reminders/commands.ts';
import { taskRoutes } from './routes/tasks.ts';
import { taskCommands } from './tasks/commands.ts';
import { recurrenceCommands } from './tasks/recurrence.ts';

export interface TaskApiDeps {
  /** For reads; every write that appends events goes through `outbox`. */
  database: Database;
  /** Task and series writes commit through it, which wakes the outbox relay. */
  outbox: Outbox;
  verifyToken: VerifyToken;
  logger: Logger;
  /** Where /metrics reads from; the relay registers its metrics here too. */
  registry?: Registry;
  /** Pages on other origins that may call the API (CORS_ALLOWED_ORIGINS); none by default. */
  corsAllowedOrigins?: AllowedOrigins;
  /** Limits `/api/...` per client address and per token subject; none: no limits. */
  rateLimiter?: RateLimiter;
  /** TRUST_PROXY: which proxies name the client address. */
  trustProxy?: string | undefined;
  /** How webhook URLs are checked when added (`allowHttp` with ENVIRONMENT=local). */
  outbound?: DestinationOptions;
}

/** What a page may send across origins: every method a route of the API takes. */
const API_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The task-api HTTP app, without listening: main.ts listens, tests inject. */
export async function buildTaskApi({
  database,
  outbox,
  verifyToken,
  logger,
  registry,
  corsAllowedOrigins = [],
  rateLimiter,
  trustProxy,
  outbound = {},
}: TaskApiDeps): Promise<App> {
  const app = createApp({
    logger,
    isUnavailable: isDatabaseUnavailable,
    cors: { allowedOrigins: corsAllowedOrigins, methods: API_METHODS },
    trustProxy,
  });
  await registerOpenApi(app, {
    title: 'taskflow task API',
    version: '1',
    description:
      'Tasks, recurrence and reminders of one user. Every route needs a bearer JWT whose subject is the path user. ' +
      'Requests are rate limited per client address and per user (RATE_LIMIT_ADDRESS, RATE_LIMIT_USER per ' +
      'RATE_LIMIT_WINDOW_SECONDS): over a limit the answer is 429 rate_limited with Retry-After; every limited ' +
      'answer carries RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers).',
  });
  registerHealth(app, [{ name: 'database', check: () => database.ping() }]);
  if (registry) registerMetrics(app, registry);

  const createBatchSize =
    registry &&
    new Histogram({
      name: 'taskflow_task_create_batch_size',
      help: 'Task creates written by one statement (creates that arrive together share one)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 100],
      registers: [registry],
    });
  const commands = taskCommands(outbox, {
    createsWritten: (count) => createBatchSize?.observe(count),
  });
  const recurrence = recurrenceCommands(outbox);
  await app.register(
    async (scope) => {
      // The address first, so that a flood of bad tokens is limited too; the user once the
      // token says who it is.
      if (rateLimiter)
        scope.addHook('onRequest', rateLimitHook(rateLimiter, 'address', addressKey));
      scope.addHook('onRequest', requireUserPath(verifyToken));
      if (rateLimiter) scope.addHook('onRequest', rateLimitHook(rateLimiter, 'user', principalKey));
      taskRoutes(scope as App, { database, commands });
      recurrenceRoutes(scope as App, { database, recurrence });
      reminderRoutes(scope as App, { database, reminders: reminderCommands(database) });
      projectRoutes(scope as App, { database, projects: projectCommands(outbox) });
      channelRoutes(scope as App, { database, channels: channelCommands(database, outbound) });
    },
    { prefix: '/api/:user_id' },
  );
  // The links in emails: no bearer token (the link's token is the credential), limited per
  // address like everything else.
  await app.register(
    async (scope) => {
      if (rateLimiter)
        scope.addHook('onRequest', rateLimitHook(rateLimiter, 'address', addressKey));
      emailLinkRoutes(scope as App, { database });
    },
    { prefix: '/api/links' },
  );
  return app;
}
