import type { Project, ProjectRole, WsProjectMessage } from '@taskflow/contracts';
import type { ApplyResult } from './task-view.ts';

/** Projects left or deleted remembered (with their last version): a late event cannot revive one. */
const TOMBSTONES_MAX = 1_000;

/**
 * The projects a user is a member of, kept current like TaskView: every project event carries
 * the whole project after the change (a membership event: the project beside the member it is
 * about), so applying one newer than what is held is a replacement. The user's own removal and
 * the project's deletion take it away.
 */
export class ProjectView {
  readonly #userId: string;
  readonly #projects = new Map<string, Project>();
  readonly #gone = new Map<string, number>();

  constructor(userId: string) {
    this.#userId = userId;
  }

  apply(message: WsProjectMessage): ApplyResult {
    const member = 'member' in message.data ? message.data.member : undefined;
    const project = 'member' in message.data ? message.data.project : message.data;
    if (message.aggregate_version <= this.#versionOf(project.id)) return 'stale';
    const gone =
      message.type === 'project.deleted' ||
      (message.type === 'project.member_removed' && member?.user_id === this.#userId);
    if (gone) {
      this.#projects.delete(project.id);
      this.#gone.set(project.id, message.aggregate_version);
      if (this.#gone.size > TOMBSTONES_MAX) this.#gone.delete(this.#gone.keys().next().value!);
    } else {
      this.#projects.set(project.id, { ...project, version: message.aggregate_version });
      this.#gone.delete(project.id);
    }
    return 'applied';
  }

  /** Replaces everything with a list read over REST (events read meanwhile go on top again). */
  replace(projects: Project[]): void {
    this.#projects.clear();
    this.#gone.clear();
    for (const project of projects) this.#projects.set(project.id, project);
  }

  /** Stores a project the client itself just read or wrote, unless a newer version is held. */
  upsert(project: Project): ApplyResult {
    if (project.version <= this.#versionOf(project.id)) return 'stale';
    this.#projects.set(project.id, project);
    this.#gone.delete(project.id);
    return 'applied';
  }

  /** Forgets a project the client itself just deleted or left. */
  forget(projectId: string): boolean {
    const held = this.#projects.get(projectId);
    if (!held) return false;
    this.#projects.delete(projectId);
    this.#gone.set(projectId, held.version);
    return true;
  }

  get(id: string): Project | undefined {
    return this.#projects.get(id);
  }

  /** The user's role in a project they belong to. */
  roleIn(id: string): ProjectRole | undefined {
    return this.#projects.get(id)?.members.find((m) => m.user_id === this.#userId)?.role;
  }

  /** By name, then id: the order a project choice shows them in. */
  list(): Project[] {
    return [...this.#projects.values()].sort(
      (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
    );
  }

  get size(): number {
    return this.#projects.size;
  }

  #versionOf(id: string): number {
    return this.#projects.get(id)?.version ?? this.#gone.get(id) ?? 0;
  }
}
