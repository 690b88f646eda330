import { createLogger, exitOnStartupError, stopOnSignals } from '@taskflow/service-kit';
import { startTaskflow } from './taskflow.ts';

// Composition root: everything in one process (services/standalone/README.md).
try {
  const taskflow = await startTaskflow();
  stopOnSignals(taskflow, createLogger('taskflow', process.env.LOG_LEVEL ?? 'info'), []);
} catch (error) {
  exitOnStartupError('taskflow', error);
}
