/** Arguments or environment that cannot be run: the CLI prints why and the usage, exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The database or the sidecar did not answer: nothing was done, exit 3. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/** The CLI's exit codes, as docs/operations.md lists them. */
export const EXIT = {
  ok: 0,
  /** verify found differences; republish gave up (the broker kept refusing). */
  failed: 1,
  usage: 2,
  /** Could not run: the database or the sidecar did not answer, or an unexpected error. */
  error: 3,
  /** Stopped by SIGINT / SIGTERM after the batch in flight (128 + SIGINT). */
  stopped: 130,
} as const;
