import { createServer, type Server } from 'node:http';
import { migrate } from '@taskflow/db';
import { buildReminderWorker } from '@taskflow/reminder-worker/app';
import {
  emailTransportFrom,
  loadReminderWorkerConfig,
  workerSettings,
} from '@taskflow/reminder-worker/config';
import { directKafkaSettings, startEventWriter, startServiceRateLimiter } from '@taskflow/runtime';
import { buildScheduler } from '@taskflow/scheduler/app';
import { loadSchedulerConfig } from '@taskflow/scheduler/config';
import { defaultPostgresDir, startLocalPostgres } from '@taskflow/local-postgres';
import {
  createApp,
  createLogger,
  createTokenVerifier,
  registerHealth,
  registerMetrics,
} from '@taskflow/service-kit';
import { buildTaskApi } from '@taskflow/task-api/app';
import { loadTaskApiConfig } from '@taskflow/task-api/config';
import { buildWeb } from '@taskflow/web/app';
import { loadWebConfig } from '@taskflow/web/config';
import { buildWsNotifier } from '@taskflow/ws-notifier/app';
import { loadWsNotifierConfig } from '@taskflow/ws-notifier/config';
import { loadStandaloneConfig } from './config.ts';
import { appFor } from './routes.ts';

export interface Taskflow {
  server: Server;
  /** Stops accepting, drains the apps (sockets are told to come back), then the relay and pool. */
  close(): Promise<void>;
}

/**
 * All of taskflow in this process, on one port, without a sidecar: each service's own app,
 * built by its own code from its own settings (the same variables as in the fleet), sharing one
 * Postgres pool, one metrics registry and one messaging (direct Kafka, or the in-process bus),
 * with the one outbox relay publishing for all. The port routes by path, as the fleet's ingress
 * does: `/api` and `/docs` to task-api, `/ws` and `/docs/asyncapi.json` to ws-notifier,
 * `/healthz`, `/readyz` and `/metrics` for the whole process, anything else to the page.
 * Migrates the database first.
 */
export async function startTaskflow(env: NodeJS.ProcessEnv = process.env): Promise<Taskflow> {
  const config = loadStandaloneConfig(env);
  // Every service reads its settings as in the fleet, from the same environment: all of them
  // are checked before anything starts (the local database's URL is not known yet).
  const serviceEnv = {
    ...env,
    USE_DAPR: 'false',
    DATABASE_URL: config.DATABASE_URL ?? 'postgres://local-postgres/taskflow',
  };
  const taskApiConfig = loadTaskApiConfig(serviceEnv);
  const schedulerConfig = loadSchedulerConfig(serviceEnv);
  const reminderConfig = loadReminderWorkerConfig(serviceEnv);
  const wsConfig = loadWsNotifierConfig(serviceEnv);
  const webConfig = loadWebConfig(serviceEnv);
  directKafkaSettings(taskApiConfig, serviceEnv);
  const startupLog = createLogger('taskflow', config.LOG_LEVEL);
  // No DATABASE_URL: a real Postgres of this process's own, in the data folder, kept across runs.
  const localDatabase = config.DATABASE_URL
    ? undefined
    : await startLocalPostgres({ dataDir: defaultPostgresDir(env), logger: startupLog });
  const databaseUrl = config.DATABASE_URL ?? localDatabase!.url;

  await migrate(databaseUrl).catch((error: unknown) => {
    throw new Error(
      `cannot migrate the database${config.DATABASE_URL ? ' of DATABASE_URL' : ''}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  const { logger, database, outbox, registry, messaging, cleanups } = startEventWriter('taskflow', {
    ...taskApiConfig,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: config.LOG_LEVEL,
  });
  // One outbox for all services: every commit that appends events wakes the one relay.
  const apiLimiter = startServiceRateLimiter(taskApiConfig, logger, registry);
  const socketLimiter = startServiceRateLimiter(wsConfig, logger, registry);

  const taskApi = await buildTaskApi({
    database,
    outbox,
    verifyToken: createTokenVerifier(taskApiConfig),
    logger,
    registry,
    corsAllowedOrigins: taskApiConfig.CORS_ALLOWED_ORIGINS,
    rateLimiter: apiLimiter,
    trustProxy: taskApiConfig.TRUST_PROXY,
    outbound: { allowHttp: taskApiConfig.ENVIRONMENT === 'local' },
  });
  const scheduler = await buildScheduler({
    database,
    outbox,
    messaging,
    logger,
    registry,
    batchSize: schedulerConfig.SPAWN_BATCH_SIZE,
    tickBudgetMs: schedulerConfig.TICK_BUDGET_MS,
  });
  const reminderWorker = await buildReminderWorker({
    database,
    outbox,
    messaging,
    logger,
    registry,
    ...workerSettings(reminderConfig),
    emailTransport: emailTransportFrom(reminderConfig, logger),
  });
  const { app: wsNotifier } = await buildWsNotifier({
    messaging,
    verifyToken: createTokenVerifier(wsConfig),
    logger,
    settings: wsConfig,
    registry,
    rateLimiter: socketLimiter,
  });
  const web = await buildWeb({ config: webConfig, logger });
  const whole = createApp({ logger });
  // Ready when writes work: a broker outage must not take the process out of its load balancer
  // (the outbox keeps the events until the broker is back), as task-api in the fleet.
  registerHealth(whole, [{ name: 'database', check: () => database.ping() }]);
  registerMetrics(whole, registry);

  const apps = [taskApi, wsNotifier, scheduler, reminderWorker, web, whole];
  await Promise.all(apps.map((app) => app.ready()));
  const mounts = [
    { prefixes: ['/healthz', '/readyz', '/metrics'], app: whole },
    { prefixes: ['/ws', '/docs/asyncapi.json'], app: wsNotifier },
    { prefixes: ['/api', '/docs'], app: taskApi },
  ];
  const server = createServer((request, response) =>
    appFor(request.url ?? '/', mounts, web).routing(request, response),
  );
  // @fastify/websocket handles upgrades on its app's own (never listening) server.
  server.on('upgrade', (request, socket, head) => {
    if (appFor(request.url ?? '/', mounts, web) === wsNotifier) {
      wsNotifier.server.emit('upgrade', request, socket, head);
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  await messaging.start();
  logger.info(
    { port: config.PORT, messaging: messaging.kind },
    `taskflow is ready on http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}/`,
  );

  let closing: Promise<void> | undefined;
  return {
    server,
    close() {
      closing ??= (async () => {
        const closed = new Promise((resolve) => server.close(resolve));
        // Sockets first: they are told to come back (1001), then requests drain.
        for (const app of apps) await app.close();
        server.closeAllConnections();
        await closed;
        await apiLimiter.stop();
        await socketLimiter.stop();
        for (const cleanup of cleanups) await cleanup();
        await localDatabase?.stop();
      })();
      return closing;
    },
  };
}
