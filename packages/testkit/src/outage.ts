import { expect } from 'vitest';
import { ErrorBody } from '@taskflow/contracts';
import { connect, type Database } from '@taskflow/db';

/**
 * Runs `use` on an app built over a database nothing listens on (port 1: every connection
 * attempt is refused at once), then closes both.
 */
export async function withUnreachableDatabase<App extends { close(): Promise<unknown> }>(
  build: (database: Database) => Promise<App>,
  use: (app: App) => Promise<void>,
): Promise<void> {
  const database = connect('postgres://taskflow:taskflow@127.0.0.1:1/taskflow', { max: 1 });
  try {
    const app = await build(database);
    try {
      await use(app);
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

/**
 * The answer to a request that needed a dependency out of reach: 503 with the uniform error body,
 * retry in a second.
 */
export function expectUnavailable(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): unknown;
}): void {
  expect(response.statusCode).toBe(503);
  expect(response.headers['retry-after']).toBe('1');
  expect(ErrorBody.parse(response.json()).error.code).toBe('unavailable');
}
