import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** The committed SQL migrations; the folder sits beside src/ and dist/ alike. */
export const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

// Any fixed number: all taskflow migrators serialise on it.
const MIGRATION_LOCK = 7_402_913;

/**
 * Applies every migration not yet applied. Safe to run twice and from several processes at
 * once: an advisory lock lets one migrate while the others wait, then find nothing to do.
 */
export async function migrate(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await drizzleMigrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.end({ timeout: 5 });
  }
}
