import { connect } from '@taskflow/db';
import {
  createLogger,
  createTokenVerifier,
  exitOnStartupError,
  stopOnSignals,
} from '@taskflow/service-kit';
import { buildTaskApi } from './app.ts';
import { loadTaskApiConfig } from './config.ts';

// Composition root: config -> clients -> app -> listen.
try {
  const config = loadTaskApiConfig();
  const logger = createLogger('task-api', config.LOG_LEVEL);
  const database = connect(config.DATABASE_URL, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: 'task-api',
  });
  const app = await buildTaskApi({ database, verifyToken: createTokenVerifier(config), logger });
  stopOnSignals(app, logger, [() => database.close()]);
  await app.listen({ port: config.PORT, host: config.HOST });
} catch (error) {
  exitOnStartupError('task-api', error);
}
