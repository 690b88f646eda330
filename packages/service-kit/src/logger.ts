import pino, { type Logger } from 'pino';

export type { Logger };

// Tokens travel in a query parameter on WebSocket upgrades; they never reach a log line.
const SECRET_QUERY = /([?&](?:token|access_token)=)[^&]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

export function createLogger(service: string, level: string): Logger {
  return pino({
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
  });
}
