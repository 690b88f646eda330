import { createLogger, exitOnStartupError, stopOnSignals } from '@taskflow/service-kit';
import { buildWeb } from './app.ts';
import { loadWebConfig } from './config.ts';

// Composition root: config -> app -> listen.
try {
  const config = loadWebConfig();
  const logger = createLogger('web', config.LOG_LEVEL);
  const app = await buildWeb({ config, logger });
  stopOnSignals(app, logger, []);
  await app.listen({ port: config.PORT, host: config.HOST });
} catch (error) {
  exitOnStartupError('web', error);
}
