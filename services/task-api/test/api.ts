import { randomUUID } from 'node:crypto';
import { afterAll, expect } from 'vitest';
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
type Options = Pick<TaskApiDeps, 'corsAllowedOrigins' | 'rateLimiter' | 'trustProxy' | 'outbound'>;

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

/**
 * A call that must answer `status` (201 for a POST, else 200): its body parsed by the given
 * schema. The failure message is the body, which names what the server refused.
 */
export async function expectAnswer<T>(
  api: TestApi,
  parse: { parse(value: unknown): T },
  user: { id: string; token: string },
  method: Exclude<Method, 'OPTIONS'>,
  path: string,
  body?: unknown,
  status = method === 'POST' ? 201 : 200,
): Promise<T> {
  const response = await api.call(method, `/api/${user.id}${path}`, { token: user.token, body });
  expect(response.statusCode, response.body).toBe(status);
  return parse.parse(response.json());
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
