import pino, { type Logger } from 'pino';

export type { Logger };

// Tokens travel in a query parameter on WebSocket upgrades; they never reach a log line.
const SECRET_QUERY = /([?&](?:token|access_token)=)[^&]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

/** `destination` defaults to stdout; tests pass a stream to read what was logged. */
export function createLogger(
  service: string,
  level: string,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["sec-websocket-protocol"]',
        'req.headers["dapr-api-token"]',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
