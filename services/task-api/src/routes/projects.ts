import {
  CreateProjectBody,
  ErrorBody,
  MemberBody,
  MemberPathParams,
  Project,
  ProjectList,
  ProjectPathParams,
  RenameProjectBody,
  UserPathParams,
} from '@taskflow/contracts';
import { loadProject, userProjects, type Database } from '@taskflow/db';
import { type App } from '@taskflow/service-kit';
import { z } from 'zod';
import { requireProjectRole } from '../projects/access.ts';
import { createdProjectLinks } from './links.ts';
import type { ProjectCommands } from '../projects/commands.ts';
import { actorOf } from './actor.ts';

const errors = { '4xx': ErrorBody };

/** Projects and their members, under `/api/:user_id` (authenticated by the caller's plugin). */
export function projectRoutes(
  app: App,
  { database, projects }: { database: Database; projects: ProjectCommands },
) {
  app.post(
    '/projects',
    {
      links: { 201: createdProjectLinks },
      schema: {
        operationId: 'createProject',
        summary: 'Create a project',
        description:
          'The caller becomes its one owner. A user belongs to at most 200 projects (409 beyond).',
        params: UserPathParams,
        body: CreateProjectBody,
        response: { 201: Project, ...errors },
      },
    },
    async (request, reply) => {
      const project = await projects.create(actorOf(request), request.body.name);
      reply.header('location', `/api/${request.params.user_id}/projects/${project.id}`);
      return reply.code(201).send(project);
    },
  );

  app.get(
    '/projects',
    {
      schema: {
        operationId: 'listProjects',
        summary: 'The projects the user is a member of, oldest first',
        params: UserPathParams,
        response: { 200: ProjectList, ...errors },
      },
    },
    async (request) => ({ items: await userProjects(database.db, request.params.user_id) }),
  );

  app.get(
    '/projects/:project_id',
    {
      schema: {
        operationId: 'getProject',
        summary: 'Get one project with its members',
        description: 'Any member may; to anyone else it does not exist (404).',
        params: ProjectPathParams,
        response: { 200: Project, ...errors },
      },
    },
    async (request) => {
      const { user_id, project_id } = request.params;
      return database.transaction(async (tx) => {
        await requireProjectRole(tx, project_id, user_id, 'viewer', 'share');
        return (await loadProject(tx, project_id))!;
      });
    },
  );

  app.patch(
    '/projects/:project_id',
    {
      schema: {
        operationId: 'renameProject',
        summary: 'Rename a project',
        description: 'Owners only (403 for other members, 404 for anyone else).',
        params: ProjectPathParams,
        body: RenameProjectBody,
        response: { 200: Project, ...errors },
      },
    },
    async (request) =>
      projects.rename(actorOf(request), request.params.project_id, request.body.name),
  );

  app.delete(
    '/projects/:project_id',
    {
      schema: {
        operationId: 'deleteProject',
        summary: 'Delete a project and its tasks',
        description:
          'Owners only. Its tasks are deleted with it (each with its `task.deleted` event), their reminders with them.',
        params: ProjectPathParams,
        response: { 204: z.null().describe('deleted'), ...errors },
      },
    },
    async (request, reply) => {
      await projects.remove(actorOf(request), request.params.project_id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/projects/:project_id/members/:member_id',
    {
      schema: {
        operationId: 'putProjectMember',
        summary: "Add a member, or change a member's role",
        description:
          'Owners only. 201 when the user was added, 200 when their role changed (or already was this one). At most 100 members per project and 200 projects per user (409 beyond); the last owner cannot step down (409).',
        params: MemberPathParams,
        body: MemberBody,
        response: { 200: Project, 201: Project, ...errors },
      },
    },
    async (request, reply) => {
      const { project_id, member_id } = request.params;
      const { project, added } = await projects.putMember(
        actorOf(request),
        project_id,
        member_id,
        request.body.role,
      );
      return reply.code(added ? 201 : 200).send(project);
    },
  );

  app.delete(
    '/projects/:project_id/members/:member_id',
    {
      schema: {
        operationId: 'removeProjectMember',
        summary: 'Remove a member, or leave a project',
        description:
          "Owners remove anyone; any member removes themselves. The member's open sockets get `project.member_removed` and nothing of the project after it; their next request about it is refused (404), and their reminders on its tasks are deleted. The last owner cannot leave (409).",
        params: MemberPathParams,
        response: { 204: z.null().describe('removed'), ...errors },
      },
    },
    async (request, reply) => {
      const { project_id, member_id } = request.params;
      await projects.removeMember(actorOf(request), project_id, member_id);
      return reply.code(204).send(null);
    },
  );
}
