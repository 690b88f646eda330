import { eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from './client.ts';
import { projects } from './schema.ts';

/**
 * A condition for the background claims (a reminder firing, a series spawning): true when the
 * task is in no project, or when its project could be held FOR SHARE right now, which it then
 * is until the claim commits; false, without waiting, when a membership change or the project's
 * deletion holds it FOR UPDATE.
 *
 * Why: every writer must lock a project before its tasks. task-api does (lockTaskAccess), and a
 * project's deletion holds the project, then deletes its tasks. A claim that held a task first
 * and met the project only when appending its event (which holds the audience's projects FOR
 * SHARE) would wait on the deletion while the deletion waited on it: a deadlock that Postgres
 * breaks by failing one of them. Taken here, in the claim's own statement, the order is the
 * same for everyone, and a project being deleted is simply skipped this tick.
 */
export const projectHeld = (projectId: SQL): SQL =>
  sql`(${projectId} is null or exists (
    select 1 from projects p where p.id = ${projectId} for share skip locked))`;

/** Holds a project FOR SHARE until the transaction ends, waiting for a writer that holds it. */
export async function holdProject(ex: Executor, projectId: string): Promise<void> {
  await ex
    .select({ id: projects.id })
    .from(projects)
    .where(eq(projects.id, projectId))
    .for('share');
}
