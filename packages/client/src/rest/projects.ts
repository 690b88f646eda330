import { Project, ProjectList, type ProjectRole } from '@taskflow/contracts';
import type { Http } from './http.ts';

/** Shared projects: the user's own and those they were added to, and their members. */
export function projectsApi(http: Http, base: string) {
  const project = (id: string) => `${base}/projects/${encodeURIComponent(id)}`;
  return {
    /** Every project the user is a member of, oldest first. */
    list: async () => (await http('GET', `${base}/projects`, ProjectList)).items,
    get: (id: string) => http('GET', project(id), Project),
    /** The caller becomes its one owner. */
    create: (name: string) => http('POST', `${base}/projects`, Project, { body: { name } }),
    rename: (id: string, name: string) => http('PATCH', project(id), Project, { body: { name } }),
    /** Deletes the project and every task in it (owners only). */
    remove: (id: string) => http('DELETE', project(id), undefined),
    /** Adds the user with this role, or changes their role (owners only). */
    setMember: (id: string, memberId: string, role: ProjectRole) =>
      http('PUT', `${project(id)}/members/${encodeURIComponent(memberId)}`, Project, {
        body: { role },
      }),
    /** Removes a member (owners), or leaves the project (the member themselves). */
    removeMember: (id: string, memberId: string) =>
      http('DELETE', `${project(id)}/members/${encodeURIComponent(memberId)}`, undefined),
  };
}
