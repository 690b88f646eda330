import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { connect, type Database } from '@taskflow/db';
import { createOutbox } from '@taskflow/outbox';
import {
  createLogger,
  createTokenVerifier,
  signDevToken,
  type App,
  type Registry,
} from '@taskflow/service-kit';
import { createTestDatabase } from '@taskflow/testkit';
import { buildTaskApi, type TaskApiDeps } from '../src/app.ts';

export const SECRET = 'integration-test-secret-of-32-characters!';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
/** Settings of buildTaskApi a test may choose. */
type Options = Pick<TaskApiDeps, 'corsAllowedOrigins' | 'rateLimiter' | 'trustProxy'>;

export interface TestApi {
  app: App;
  database: Database;
  /** How many times the app's commits have woken the outbox relay (none runs here). */
  wakes(): number;
  /** A user of their own for each test: tests never see each other's data. */
  newUser(): Promise<{ id: string; token: string }>;
  call(
    method: Method,
    url: string,
    options?: {
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
      /** The client's address (inject's default is 127.0.0.1). */
      remoteAddress?: string;
    },
  ): Promise<Awaited<ReturnType<App['inject']>>>;
}

/** task-api over a fresh real database, driven through Fastify's inject (no sockets). */
export async function startApi(registry?: Registry, options: Options = {}): Promise<TestApi> {
  const testDatabase = await createTestDatabase();
  const database = connect(testDatabase.url, { max: 5 });
  const api = await apiOver(database, registry, options);
  afterAll(async () => {
    await api.app.close();
    await database.close();
    await testDatabase.drop();
  });
  return api;
}

/** task-api over the given database; the caller closes both (`app.close()` first). */
export async function apiOver(
  database: Database,
  registry?: Registry,
  options: Options = {},
): Promise<TestApi> {
  let wakes = 0;
  const app = await buildTaskApi({
    ...options,
    database,
    outbox: createOutbox({ database, relay: { notify: () => wakes++ } }),
    verifyToken: createTokenVerifier({ AUTH_JWT_SECRET: SECRET }),
    logger: createLogger('task-api-test', 'silent'),
    ...(registry ? { registry } : {}),
  });
  return {
    app,
    database,
    wakes: () => wakes,
    async newUser() {
      const id = `user-${randomUUID()}`;
      return { id, token: await signDevToken(id, SECRET) };
    },
    call(method, url, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      return app.inject({
        method,
        url,
        headers,
        ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
        ...(options.body === undefined
          ? {}
          : typeof options.body === 'string'
            ? { payload: options.body }
            : { payload: options.body as object }),
      });
    },
  };
}
