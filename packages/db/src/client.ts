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
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'taskflow' },
  });
  const db = drizzle(client, { schema });
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
