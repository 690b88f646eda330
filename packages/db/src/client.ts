import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { PgTransaction } from 'drizzle-orm/pg-core';
import type { PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import postgres from 'postgres';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PostgresJsDatabase<Schema>;
export type Tx = PgTransaction<
  PostgresJsQueryResultHKT,
  Schema,
  ExtractTablesWithRelations<Schema>
>;
/** Anything a query can run on: the pool or an open transaction. */
export type Executor = Db | Tx;

/**
 * The postgres.js client under an executor (the pool's, or the open transaction's connection),
 * prepared by default like everything drizzle sends. For the few hot statements whose text never
 * changes: drizzle would build that same text again on every call.
 */
export function driverOf(ex: Executor): postgres.Sql {
  return (ex._.session as unknown as { client: postgres.Sql }).client;
}

export interface Database {
  db: Db;
  /** Runs `work` in one transaction: all of it commits, or none. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** True when the server answers a trivial query within the driver's timeouts. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Pool size; the default suits one service process on a small machine. */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

export function connect(url: string, options: DatabaseOptions = {}): Database {
  const client = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: 5,
    idle_timeout: 30,
    backoff: reconnectDelaySeconds,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'taskflow' },
  });
  const db = drizzle(preparedByDefault(client), { schema });
  return {
    db,
    transaction: (work) => db.transaction(work),
    async ping() {
      try {
        await client`select 1`;
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * How long a pooled connection waits before it tries the server again, after `failures` failed
 * attempts in a row (counted over the whole pool). postgres.js's own delay grows as 3^n / 100 s up
 * to 20 s, and ten connections failing while a server restarts reach that cap within a second or
 * two: every query queued behind them then waited up to 20 s for a server long back (requests
 * timed out for 10 s after a 2 s restart, docs/operations.md "Chaos soak"). Doubling from 50 ms up
 * to 1 s keeps a dead server at a few attempts a second per connection and a restarted one in use
 * within a second. Jittered, so the pool's connections do not all knock at once.
 */
export function reconnectDelaySeconds(failures: number, random = Math.random): number {
  const ceiling = Math.min(0.05 * 2 ** failures, RECONNECT_DELAY_MAX_SECONDS);
  return ceiling * (0.5 + random() / 2);
}

const RECONNECT_DELAY_MAX_SECONDS = 1;

/**
 * drizzle sends every query as an unnamed statement, which Postgres parses and plans again on
 * each call. Sent as named prepared statements instead, they are planned once per connection
 * (postgres.js keeps them by text): a third less Postgres CPU per task creation
 * (docs/benchmarks.md). Statements without parameters (migrations, DDL, several commands in one
 * string) stay unnamed, and so do very wide ones: a batch's text varies with its size, and every
 * distinct text would stay prepared for the connection's life.
 */
function preparedByDefault<T extends postgres.Sql | postgres.TransactionSql>(sql: T): T {
  // Built once per client, not per query: drizzle reads `unsafe` for every statement it runs.
  const unsafe = (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) =>
    sql.unsafe(query, params as postgres.ParameterOrJSON<never>[], {
      ...options,
      prepare: (params?.length ?? 0) > 0 && params!.length <= PREPARED_MAX_PARAMETERS,
    });
  // A transaction (or savepoint) hands its callback a client of its own: prepare there too.
  const opening =
    (property: 'begin' | 'savepoint') =>
    (...args: unknown[]) => {
      const work = args.pop() as (tx: postgres.TransactionSql) => unknown;
      const open = Reflect.get(sql, property, sql) as (...a: unknown[]) => unknown;
      return open(...args, (tx: postgres.TransactionSql) => work(preparedByDefault(tx)));
    };
  const wrapped: Record<PropertyKey, unknown> = {
    unsafe,
    begin: opening('begin'),
    savepoint: opening('savepoint'),
  };
  return new Proxy(sql, {
    get: (target, property, receiver) =>
      Object.hasOwn(wrapped, property)
        ? wrapped[property]
        : Reflect.get(target, property, receiver),
  });
}

const PREPARED_MAX_PARAMETERS = 100;
