import type { ProjectRole } from '@taskflow/contracts';
import { heldProjectRoles, projectRole, type Executor } from '@taskflow/db';
import { AppError, notFound } from '@taskflow/service-kit';

const rank: Record<ProjectRole, number> = { viewer: 0, editor: 1, owner: 2 };

const refusals: Record<ProjectRole, string> = {
  viewer: 'only members may do this',
  editor: "only a project's owners and editors may change its tasks",
  owner: "only a project's owners may do this",
};

/**
 * The actor's role in the project, held until the transaction ends (`share` for a task write,
 * `update` for a change to the project itself), when it is at least `least`. A user who is no
 * member learns nothing: 404, as for a project that does not exist. A member below the role
 * gets 403.
 */
export async function requireProjectRole(
  tx: Executor,
  projectId: string,
  userId: string,
  least: ProjectRole,
  lock: 'share' | 'update' = least === 'owner' ? 'update' : 'share',
): Promise<ProjectRole> {
  return checked(await projectRole(tx, projectId, userId, lock), least);
}

/**
 * `requireProjectRole(..., 'share')` for several pairs in two statements (a batch of creates).
 * Throws the first refusal: the batch then runs again create by create, each with its own answer.
 */
export async function requireProjectRoles(
  tx: Executor,
  pairs: Array<{ projectId: string; userId: string }>,
  least: ProjectRole,
): Promise<void> {
  const roles = await heldProjectRoles(tx, pairs);
  for (const { projectId, userId } of pairs) checked(roles.get(`${projectId} ${userId}`), least);
}

function checked(role: ProjectRole | undefined, least: ProjectRole): ProjectRole {
  if (!role) throw notFound('project');
  if (rank[role] < rank[least]) throw new AppError('forbidden', refusals[least]);
  return role;
}
