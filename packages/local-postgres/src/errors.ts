/**
 * Every failure of the local Postgres that its user can act on: the message says what went
 * wrong and what to do, in one paragraph, so a first run on a fresh machine explains itself.
 */
export class LocalPostgresError extends Error {
  override readonly name = 'LocalPostgresError';
}

/** What this package logs: pino's logger fits, and so does `console`. */
export interface LocalPostgresLogger {
  info(message: string): void;
  warn(message: string): void;
}

export const silentLogger: LocalPostgresLogger = { info() {}, warn() {} };
