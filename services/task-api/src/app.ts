import type { Database } from '@taskflow/db';
import {
  createApp,
  registerHealth,
  registerOpenApi,
  requireUserPath,
  type App,
  type Logger,
  type VerifyToken,
} from '@taskflow/service-kit';
import { taskRoutes } from './routes/tasks.ts';
import { taskCommands } from './tasks/commands.ts';

export interface TaskApiDeps {
  database: Database;
  verifyToken: VerifyToken;
  logger: Logger;
}

/** The task-api HTTP app, without listening: main.ts listens, tests inject. */
export async function buildTaskApi({ database, verifyToken, logger }: TaskApiDeps): Promise<App> {
  const app = createApp({ logger });
  await registerOpenApi(app, {
    title: 'taskflow task API',
    version: '1',
    description:
      'Tasks, recurrence and reminders of one user. Every route needs a bearer JWT whose subject is the path user.',
  });
  registerHealth(app, [{ name: 'database', check: () => database.ping() }]);

  const commands = taskCommands(database);
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', requireUserPath(verifyToken));
      taskRoutes(scope as App, { database, commands });
    },
    { prefix: '/api/:user_id' },
  );
  return app;
}
