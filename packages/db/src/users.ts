import { users } from './schema.ts';
import type { Executor } from './client.ts';

/** Creates the user's row on first use; a no-op afterwards. */
export async function ensureUser(ex: Executor, userId: string): Promise<void> {
  await ex.insert(users).values({ id: userId }).onConflictDoNothing();
}
