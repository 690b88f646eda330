/**
 * Whether an error means the database could not be reached or dropped the connection, rather than
 * refused the statement: the caller should answer "unavailable, retry", not "bug". Looks through
 * `cause`, since drizzle wraps the driver's error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNREACHABLE.has(code) || code.startsWith('08'))) return true;
    e = e.cause;
  }
  return false;
}

const UNREACHABLE = new Set([
  // postgres.js
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  // the socket
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // the server: shutting down or restarting, no connection slot free (class 08, the connection
  // exceptions, is matched by prefix)
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
