import { z } from 'zod';
import { Instant, userText, UserId, Uuid } from './common.ts';

export const PROJECT_NAME_MAX = 200;
/** Members of one project, its owners included: bounds every event's audience. */
export const PROJECT_MEMBERS_MAX = 100;
/** Projects one user may belong to (own or shared): bounds what every task list reads. */
export const USER_PROJECTS_MAX = 200;

/**
 * What a member may do. `viewer`: read the project and its tasks, receive their events.
 * `editor`: also create, change, complete, delete and move its tasks, and set their reminders and
 * recurrence. `owner`: also rename the project, manage its members, delete it.
 */
export const ProjectRole = z.enum(['owner', 'editor', 'viewer']);
export type ProjectRole = z.infer<typeof ProjectRole>;

export const ProjectMember = z.object({
  user_id: UserId,
  role: ProjectRole,
  added_at: Instant,
});
export type ProjectMember = z.infer<typeof ProjectMember>;

/** A project as the API returns it and as project events carry it (the state after the change). */
export const Project = z.object({
  id: Uuid,
  name: z.string(),
  /** Who created it; it stays the project's key on the broker whoever owns it later. */
  created_by: UserId,
  /** Every member, owners included, by user id. */
  members: z.array(ProjectMember),
  /** Grows with every change to the project or its members. */
  version: z.int().min(1),
  created_at: Instant,
  updated_at: Instant,
});
export type Project = z.infer<typeof Project>;

const ProjectName = userText({ max: PROJECT_NAME_MAX, required: true });

export const CreateProjectBody = z.strictObject({ name: ProjectName });
export type CreateProjectBody = z.infer<typeof CreateProjectBody>;

export const RenameProjectBody = z.strictObject({ name: ProjectName });
export type RenameProjectBody = z.infer<typeof RenameProjectBody>;

export const ProjectPathParams = z.strictObject({ user_id: UserId, project_id: Uuid });
export const MemberPathParams = z.strictObject({
  user_id: UserId,
  project_id: Uuid,
  member_id: UserId,
});

/** `PUT .../members/{member_id}`: adds the user with this role, or changes their role. */
export const MemberBody = z.strictObject({ role: ProjectRole });
export type MemberBody = z.infer<typeof MemberBody>;

export const ProjectList = z.object({ items: z.array(Project) });
export type ProjectList = z.infer<typeof ProjectList>;

/** A membership event: the project after the change, and the member it was about. */
export const ProjectMemberChange = z.object({ project: Project, member: ProjectMember });
export type ProjectMemberChange = z.infer<typeof ProjectMemberChange>;

/** `project` in a task list: one project's tasks, or `none` for those in no project. */
export const ProjectFilter = z
  .union([Uuid, z.literal('none')])
  .describe("A project's id (its tasks only), or `none` (tasks in no project)");
