import type { Logger } from './logger.ts';

/**
 * Stops gracefully on SIGTERM/SIGINT: stop accepting, finish in-flight requests, then run the
 * cleanups (pools, relays) in order. A second signal, or a hang past `timeoutMs`, forces exit.
 */
export function stopOnSignals(
  app: { close(): Promise<unknown> },
  logger: Logger,
  cleanups: Array<() => Promise<unknown>>,
  timeoutMs = 10_000,
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await app.close();
      for (const cleanup of cleanups) await cleanup();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Logs why a service cannot start and exits non-zero, instead of an unhandled stack trace. */
export function exitOnStartupError(service: string, error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message.startsWith(service) ? '' : `${service}: `}${message}\n`);
  process.exit(1);
}
