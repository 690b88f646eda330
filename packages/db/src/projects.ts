import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Project, ProjectMember, ProjectRole } from '@taskflow/contracts';
import { projectMembers, projects, tasks, users } from './schema.ts';
import type { Executor } from './client.ts';
import { taskColumns, type TaskRow } from './rows.ts';

type ProjectRow = typeof projects.$inferSelect;
type MemberRow = typeof projectMembers.$inferSelect;

const toMember = (row: MemberRow): ProjectMember => ({
  user_id: row.userId,
  role: row.role as ProjectRole,
  added_at: row.addedAt.toISOString(),
});

function toProject(row: ProjectRow, members: MemberRow[]): Project {
  return {
    id: row.id,
    name: row.name,
    created_by: row.createdBy,
    members: members.map(toMember),
    version: row.version,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

async function ensureUsers(ex: Executor, ids: string[]): Promise<void> {
  await ex
    .insert(users)
    .values(ids.map((id) => ({ id })))
    .onConflictDoNothing();
}

/** A new project with its creator as its one owner. */
export async function insertProject(
  ex: Executor,
  project: { id: string; name: string; createdBy: string },
): Promise<Project> {
  await ensureUsers(ex, [project.createdBy]);
  const [row] = await ex.insert(projects).values(project).returning();
  const [owner] = await ex
    .insert(projectMembers)
    .values({
      projectId: project.id,
      userId: project.createdBy,
      role: 'owner',
      addedAt: row!.createdAt,
    })
    .returning();
  return toProject(row!, [owner!]);
}

/** Members in a fixed order (by user id), so that a project reads the same every time. */
const membersOf = (ex: Executor, projectIds: string[]) =>
  ex
    .select()
    .from(projectMembers)
    .where(inArray(projectMembers.projectId, projectIds))
    .orderBy(asc(projectMembers.projectId), asc(projectMembers.userId));

/** The project as it stands, with its members. */
export async function loadProject(ex: Executor, id: string): Promise<Project | undefined> {
  const [row] = await ex.select().from(projects).where(eq(projects.id, id));
  return row && toProject(row, await membersOf(ex, [id]));
}

/**
 * The user's role in the project, or undefined when they are not a member (or it does not
 * exist). `lock`: `share` holds the project against membership changes until the transaction
 * ends (a task write, so that the members it reaches are the members when it commits);
 * `update` is for a change to the project or its members.
 */
export async function projectRole(
  ex: Executor,
  projectId: string,
  userId: string,
  lock?: 'share' | 'update',
): Promise<ProjectRole | undefined> {
  if (lock) {
    const locked = ex.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId));
    const [row] = await (lock === 'share' ? locked.for('share') : locked.for('update'));
    if (!row) return undefined;
  }
  const [member] = await ex
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
  return member?.role as ProjectRole | undefined;
}

/**
 * The roles of several (project, user) pairs at once, by `"<project id> <user id>"`, with their
 * projects held FOR SHARE until the transaction ends: a batch of task creates in projects checks
 * and holds them all in two statements, as `projectRole(..., 'share')` does for one.
 */
export async function heldProjectRoles(
  ex: Executor,
  pairs: Array<{ projectId: string; userId: string }>,
): Promise<Map<string, ProjectRole>> {
  const projectIds = [...new Set(pairs.map((pair) => pair.projectId))].sort();
  const userIds = [...new Set(pairs.map((pair) => pair.userId))];
  if (projectIds.length === 0) return new Map();
  await ex
    .select({ id: projects.id })
    .from(projects)
    .where(inArray(projects.id, projectIds))
    .orderBy(asc(projects.id))
    .for('share');
  const rows = await ex
    .select({
      projectId: projectMembers.projectId,
      userId: projectMembers.userId,
      role: projectMembers.role,
    })
    .from(projectMembers)
    .where(
      and(inArray(projectMembers.projectId, projectIds), inArray(projectMembers.userId, userIds)),
    );
  return new Map(rows.map((row) => [`${row.projectId} ${row.userId}`, row.role as ProjectRole]));
}

/** The projects the user is a member of, oldest first. */
export async function userProjects(ex: Executor, userId: string): Promise<Project[]> {
  const rows = await ex
    .select({ project: projects })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(eq(projectMembers.userId, userId))
    .orderBy(asc(projects.createdAt), asc(projects.id));
  const found = rows.map(({ project }) => project);
  return withMembers(ex, found);
}

/**
 * These projects as they stand, with their members, in no particular order; an id with no row
 * is left out (`replay verify` compares them with the projects its events rebuild).
 */
export async function projectsByIds(ex: Executor, ids: string[]): Promise<Project[]> {
  if (ids.length === 0) return [];
  return withMembers(ex, await ex.select().from(projects).where(inArray(projects.id, ids)));
}

/** The rows as projects, their members read in one query. */
async function withMembers(ex: Executor, rows: ProjectRow[]): Promise<Project[]> {
  if (rows.length === 0) return [];
  const byProject = new Map<string, MemberRow[]>(rows.map((row) => [row.id, []]));
  const members = await membersOf(ex, [...byProject.keys()]);
  for (const member of members) byProject.get(member.projectId)!.push(member);
  return rows.map((row) => toProject(row, byProject.get(row.id)!));
}

/** The ids of the projects the user is a member of: what their task lists take in. */
export async function userProjectIds(ex: Executor, userId: string): Promise<string[]> {
  const rows = await ex
    .select({ id: projectMembers.projectId })
    .from(projectMembers)
    .where(eq(projectMembers.userId, userId));
  return rows.map((row) => row.id);
}

/** How many projects the user belongs to, and how many members the project has. */
export async function membershipCounts(
  ex: Executor,
  projectId: string,
  userId: string,
): Promise<{ userProjects: number; members: number }> {
  const [row] = await ex.execute<{ user_projects: number; members: number }>(sql`
    select
      (select count(*)::int from ${projectMembers} where ${projectMembers.userId} = ${userId}) as user_projects,
      (select count(*)::int from ${projectMembers} where ${projectMembers.projectId} = ${projectId}) as members`);
  return { userProjects: row!.user_projects, members: row!.members };
}

/**
 * One more version of the project (a rename, or a change to its members), under the lock of
 * `projectRole(..., 'update')`. Returns it as it then stands.
 */
export async function touchProject(
  ex: Executor,
  id: string,
  changes: { name?: string } = {},
): Promise<Project> {
  const [row] = await ex
    .update(projects)
    .set({ name: changes.name, version: sql`${projects.version} + 1`, updatedAt: sql`now()` })
    .where(eq(projects.id, id))
    .returning();
  return toProject(row!, await membersOf(ex, [id]));
}

/** Adds the user with the role, or sets their role; returns the member as stored. */
export async function putMember(
  ex: Executor,
  projectId: string,
  userId: string,
  role: ProjectRole,
): Promise<{ member: ProjectMember; added: boolean }> {
  await ensureUsers(ex, [userId]);
  // xmax = 0 only on a freshly inserted row: tells an add from a change in one statement.
  const [row] = await ex.execute<MemberRow & { added: boolean }>(sql`
    insert into ${projectMembers} (project_id, user_id, role) values (${projectId}, ${userId}, ${role})
    on conflict (project_id, user_id) do update set role = excluded.role
    returning user_id as "userId", role, added_at as "addedAt", (xmax = 0) as added`);
  return {
    member: {
      user_id: row!.userId,
      role: row!.role as ProjectRole,
      added_at: new Date(row!.addedAt).toISOString(),
    },
    added: row!.added,
  };
}

/** Removes the member; returns them as they were, or undefined when they were none. */
export async function deleteMember(
  ex: Executor,
  projectId: string,
  userId: string,
): Promise<ProjectMember | undefined> {
  const [row] = await ex
    .delete(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
    .returning();
  return row && toMember(row);
}

/** How many owners the project has. */
export async function ownerCount(ex: Executor, projectId: string): Promise<number> {
  const [row] = await ex
    .select({ owners: sql<number>`count(*)::int` })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.role, 'owner')));
  return row?.owners ?? 0;
}

/**
 * Deletes the project's tasks and then the project (its members go with it), under the lock of
 * `projectRole(..., 'update')`. Returns the tasks as they stood, each with its deletion's
 * version, for their task.deleted events. Reminders go with their tasks.
 */
export async function deleteProjectAndTasks(ex: Executor, projectId: string): Promise<TaskRow[]> {
  const deleted = await ex
    .delete(tasks)
    .where(eq(tasks.projectId, projectId))
    .returning(taskColumns);
  await ex.delete(projects).where(eq(projects.id, projectId));
  const now = new Date();
  return deleted.map((row) => ({ ...row, version: row.version + 1, updatedAt: now }));
}

/** The members' user ids, sorted: the audience of an event about the project. */
export async function projectMemberIds(ex: Executor, projectId: string): Promise<string[]> {
  const rows = await ex
    .select({ userId: projectMembers.userId })
    .from(projectMembers)
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(projectMembers.userId));
  return rows.map((row) => row.userId);
}
