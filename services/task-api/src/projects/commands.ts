import { randomUUID } from 'node:crypto';
import {
  makeEvent,
  PROJECT_MEMBERS_MAX,
  USER_PROJECTS_MAX,
  type EventType,
  type Project,
  type ProjectRole,
} from '@taskflow/contracts';
import {
  deleteMember,
  deleteProjectAndTasks,
  deleteUnseenReminders,
  insertProject,
  loadProject,
  membershipCounts,
  ownerCount,
  putMember,
  toTask,
  touchProject,
  type Tx,
} from '@taskflow/db';
import type { Outbox } from '@taskflow/outbox';
import { AppError, notFound } from '@taskflow/service-kit';
import type { Actor } from '../tasks/commands.ts';
import { taskEvent } from '../tasks/commands.ts';
import { requireProjectRole } from './access.ts';

const memberIds = (project: Project) => project.members.map((member) => member.user_id);

/** An event about the project, keyed by its creator, to `audience` (its members by default). */
function projectEvent<T extends EventType & `project.${string}`>(
  type: T,
  project: Project,
  data: Parameters<typeof makeEvent<T>>[2],
  actor: Actor,
  audience = memberIds(project),
) {
  return makeEvent(type, project, data, {
    ...actor,
    userId: project.created_by,
    audience: [...new Set(audience)].sort(),
  });
}

async function lastOwnerGuard(tx: Tx, projectId: string, message: string): Promise<void> {
  if ((await ownerCount(tx, projectId)) <= 1) throw new AppError('conflict', message);
}

/**
 * Projects and their members. Each command is one unit of work of the outbox, under the
 * project's row lock (`requireProjectRole(..., 'owner')` takes it for update): task writes hold
 * it shared, so a membership change waits for them, and they for it. Every event reaches the
 * members as they stand after the change; a removed member hears of their own removal last.
 */
export function projectCommands(outbox: Outbox) {
  return {
    async create(actor: Actor, name: string): Promise<Project> {
      return outbox.commit(async (tx, emit) => {
        const id = randomUUID();
        const counts = await membershipCounts(tx, id, actor.userId);
        if (counts.userProjects >= USER_PROJECTS_MAX) {
          throw new AppError(
            'conflict',
            `a user belongs to at most ${USER_PROJECTS_MAX} projects: leave or delete some first`,
          );
        }
        const project = await insertProject(tx, { id, name, createdBy: actor.userId });
        emit(projectEvent('project.created', project, project, actor));
        return project;
      });
    },

    async rename(actor: Actor, projectId: string, name: string): Promise<Project> {
      return outbox.commit(async (tx, emit) => {
        await requireProjectRole(tx, projectId, actor.userId, 'owner');
        const before = (await loadProject(tx, projectId))!;
        if (before.name === name) return before;
        const project = await touchProject(tx, projectId, { name });
        emit(projectEvent('project.updated', project, project, actor));
        return project;
      });
    },

    /** Deletes the project and its tasks (each with its task.deleted), reminders with them. */
    async remove(actor: Actor, projectId: string): Promise<void> {
      await outbox.commit(async (tx, emit) => {
        await requireProjectRole(tx, projectId, actor.userId, 'owner');
        const project = (await loadProject(tx, projectId))!;
        const audience = memberIds(project);
        for (const row of await deleteProjectAndTasks(tx, projectId)) {
          emit(taskEvent('task.deleted', toTask(row), actor, audience));
        }
        const deleted = {
          ...project,
          version: project.version + 1,
          updated_at: new Date().toISOString(),
        };
        emit(projectEvent('project.deleted', deleted, deleted, actor, audience));
      });
    },

    /** Adds the user with the role, or changes their role; `added` tells which. */
    async putMember(
      actor: Actor,
      projectId: string,
      userId: string,
      role: ProjectRole,
    ): Promise<{ project: Project; added: boolean }> {
      return outbox.commit(async (tx, emit) => {
        await requireProjectRole(tx, projectId, actor.userId, 'owner');
        const before = (await loadProject(tx, projectId))!;
        const current = before.members.find((member) => member.user_id === userId);
        if (current?.role === role) return { project: before, added: false };
        if (!current) {
          const counts = await membershipCounts(tx, projectId, userId);
          if (counts.members >= PROJECT_MEMBERS_MAX) {
            throw new AppError('conflict', `a project has at most ${PROJECT_MEMBERS_MAX} members`);
          }
          if (counts.userProjects >= USER_PROJECTS_MAX) {
            throw new AppError(
              'conflict',
              `that user already belongs to ${USER_PROJECTS_MAX} projects, the most there may be`,
            );
          }
        } else if (current.role === 'owner') {
          await lastOwnerGuard(
            tx,
            projectId,
            'the last owner cannot step down: make another owner first',
          );
        }
        const { member, added } = await putMember(tx, projectId, userId, role);
        const project = await touchProject(tx, projectId);
        const type = added ? 'project.member_added' : 'project.member_updated';
        emit(projectEvent(type, project, { project, member }, actor));
        return { project, added };
      });
    },

    /**
     * Removes a member: an owner removes anyone, any member removes themselves (leaves). Their
     * reminders on the project's tasks go; their sockets get this event and nothing of the
     * project after it.
     */
    async removeMember(actor: Actor, projectId: string, userId: string): Promise<void> {
      await outbox.commit(async (tx, emit) => {
        const least = userId === actor.userId ? 'viewer' : 'owner';
        await requireProjectRole(tx, projectId, actor.userId, least, 'update');
        const before = (await loadProject(tx, projectId))!;
        const current = before.members.find((member) => member.user_id === userId);
        if (!current) throw notFound('member');
        if (current.role === 'owner') {
          await lastOwnerGuard(
            tx,
            projectId,
            'the last owner cannot leave: make another owner first, or delete the project',
          );
        }
        const member = (await deleteMember(tx, projectId, userId))!;
        await deleteUnseenReminders(tx, { projectId, userId });
        const project = await touchProject(tx, projectId);
        emit(
          projectEvent('project.member_removed', project, { project, member }, actor, [
            ...memberIds(project),
            userId,
          ]),
        );
      });
    },
  };
}

export type ProjectCommands = ReturnType<typeof projectCommands>;
