import { Task, type WsEventMessage } from '@taskflow/contracts';

/** What applying one message did. */
export type ApplyResult = 'applied' | 'stale' | 'ignored';

const TASK_EVENTS = new Set(['task.created', 'task.updated', 'task.completed', 'task.deleted']);

/** Deleted tasks remembered (with their last version) so a late, older event cannot revive one. */
const TOMBSTONES_MAX = 5_000;

/**
 * A user's tasks as the client shows them, kept current by applying events in version order:
 * an event not newer than what is held is ignored, whatever order the network delivered in.
 * Task events carry the whole task after the change, so applying one is a replacement.
 *
 * `recurring.spawned` and `reminder` are notifications, not state: the spawned instance comes
 * with its own `task.created`, and a reminder changes no task.
 */
export class TaskView {
  readonly #tasks = new Map<string, Task>();
  readonly #deleted = new Map<string, number>();

  apply(message: WsEventMessage): ApplyResult {
    if (!TASK_EVENTS.has(message.type)) return 'ignored';
    const task = Task.safeParse(message.data);
    if (!task.success) return 'ignored';
    const { id } = task.data;
    if (message.aggregate_version <= this.#versionOf(id)) return 'stale';
    if (message.type === 'task.deleted') {
      this.#tasks.delete(id);
      this.#deleted.set(id, message.aggregate_version);
      if (this.#deleted.size > TOMBSTONES_MAX) {
        this.#deleted.delete(this.#deleted.keys().next().value!);
      }
    } else {
      this.#tasks.set(id, { ...task.data, version: message.aggregate_version });
      this.#deleted.delete(id);
    }
    return 'applied';
  }

  /**
   * Replaces everything with a snapshot read over REST. Events that arrived while it was being
   * read must be applied again afterwards (TaskSync does): the snapshot may predate them.
   */
  replace(tasks: Task[]): void {
    this.#tasks.clear();
    this.#deleted.clear();
    for (const task of tasks) this.#tasks.set(task.id, task);
  }

  /** Stores a task the client itself just read or wrote, unless a newer version is held. */
  upsert(task: Task): ApplyResult {
    if (task.version <= this.#versionOf(task.id)) return 'stale';
    this.#tasks.set(task.id, task);
    this.#deleted.delete(task.id);
    return 'applied';
  }

  /** Forgets the tasks of a project the user no longer sees (left, removed, or deleted). */
  dropProject(projectId: string): boolean {
    let dropped = false;
    for (const [id, task] of this.#tasks) {
      if (task.project_id === projectId) dropped = this.#tasks.delete(id) || dropped;
    }
    return dropped;
  }

  get(id: string): Task | undefined {
    return this.#tasks.get(id);
  }

  /** Newest first, as the REST list returns them. */
  list(): Task[] {
    return [...this.#tasks.values()].sort(
      (a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id),
    );
  }

  get size(): number {
    return this.#tasks.size;
  }

  #versionOf(id: string): number {
    return this.#tasks.get(id)?.version ?? this.#deleted.get(id) ?? 0;
  }
}
