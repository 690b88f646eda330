import {
  isTaskMessage,
  type Project,
  type Task,
  type WsEventMessage,
  type WsMessage,
  type WsProjectMessage,
} from '@taskflow/contracts';
import { backoffDelay } from './backoff.ts';
import { Emitter } from './emitter.ts';
import type { ConnectionState, LiveSocket } from './live/live-socket.ts';
import { ProjectView } from './project-view.ts';
import { ApiError } from './rest/http.ts';
import type { TaskflowClient } from './rest/client.ts';
import { TaskView } from './task-view.ts';

export interface TaskSyncEvents extends Record<string, unknown> {
  /** The task list changed (newest first). */
  change: Task[];
  state: ConnectionState;
  /** A reminder fired (the seed's `reminder` message): show it. */
  reminder: WsMessage;
  /** A recurring series spawned an instance (its `task.created` updates the list). */
  spawned: WsMessage;
  /** A project the user is a member of changed (or their membership did). */
  project: WsProjectMessage;
  /** The user's projects changed (by name). */
  projects: Project[];
  /** A snapshot was read over REST (first load, or after a resync). */
  loaded: { tasks: number };
  error: unknown;
}

/**
 * A user's task list and projects kept current: a REST snapshot when there is nothing to resume
 * from (or the server says resync), live events applied by version in between. Events that
 * arrive while a snapshot is being read are applied again on top of it, so none is lost to the
 * race.
 */
export class TaskSync extends Emitter<TaskSyncEvents> {
  readonly view = new TaskView();
  readonly projects: ProjectView;
  readonly api: TaskflowClient;
  readonly live: LiveSocket;
  readonly #maxTasks: number;
  #loading = false;
  #again = false;
  #failures = 0;
  #pending: WsEventMessage[] | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #userId: string;

  constructor({
    api,
    live,
    maxTasks = 2_000,
  }: {
    api: TaskflowClient;
    live: LiveSocket;
    maxTasks?: number;
  }) {
    super();
    this.api = api;
    this.live = live;
    this.#maxTasks = maxTasks;
    this.#userId = live.userId;
    this.projects = new ProjectView(live.userId);
    live.on('message', (message) => this.#receive(message));
    live.on('resync', () => void this.reload());
    live.on('state', (state) => this.emit('state', state));
  }

  start(): void {
    this.live.connect();
  }

  stop(): void {
    clearTimeout(this.#retry);
    this.live.close();
  }

  get tasks(): Task[] {
    return this.view.list();
  }

  /** Reads the whole list over REST; a call while one runs makes it read once more after. */
  async reload(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return;
    }
    this.#loading = true;
    clearTimeout(this.#retry);
    try {
      do {
        this.#again = false;
        this.#pending = [];
        const [tasks, projects] = await Promise.all([
          this.api.tasks.listAll({ max: this.#maxTasks }),
          this.#readProjects(),
        ]);
        this.view.replace(tasks);
        this.projects.replace(projects);
        for (const message of this.#pending) {
          if (isTaskMessage(message)) this.view.apply(message);
          else this.projects.apply(message);
        }
      } while (this.#again);
      this.#failures = 0;
      this.emit('loaded', { tasks: this.view.size });
      this.emit('projects', this.projects.list());
      this.emit('change', this.view.list());
    } catch (error) {
      this.emit('error', error);
      this.#retry = setTimeout(() => void this.reload(), backoffDelay(this.#failures++));
    } finally {
      this.#loading = false;
      this.#pending = undefined;
    }
  }

  /** Shows the result of this client's own write at once, before its event comes back. */
  track(task: Task): void {
    if (this.view.upsert(task) === 'applied') this.emit('change', this.view.list());
  }

  /** The same for a project this client created, renamed or changed the members of. */
  trackProject(project: Project): void {
    if (this.projects.upsert(project) === 'applied') this.emit('projects', this.projects.list());
  }

  /** A project this client deleted or left: it and its tasks go at once. */
  forgetProject(projectId: string): void {
    if (this.projects.forget(projectId)) this.emit('projects', this.projects.list());
    if (this.view.dropProject(projectId)) this.emit('change', this.view.list());
  }

  /** A server without project routes (an older task-api) has no projects. */
  async #readProjects(): Promise<Project[]> {
    try {
      return await this.api.projects.list();
    } catch (error) {
      if (error instanceof ApiError && error.routeMissing) return [];
      throw error;
    }
  }

  #receive(message: WsEventMessage): void {
    this.#pending?.push(message);
    if (!isTaskMessage(message)) return this.#projectChanged(message);
    if (message.type === 'reminder') this.emit('reminder', message);
    if (message.type === 'recurring.spawned') this.emit('spawned', message);
    const before = this.view.get(message.data.id)?.project_id;
    if (this.view.apply(message) !== 'applied') return;
    this.emit('change', this.view.list());
    // A move between projects: whether the user still sees it is the server's to say.
    const after = (message.data as { project_id?: string | null }).project_id;
    if (before !== undefined && after !== undefined && before !== after) void this.reload();
  }

  /**
   * Joining a project brings its tasks (read again over REST); leaving it, being removed or its
   * deletion takes them away at once (their own task.deleted events follow a deletion).
   */
  #projectChanged(message: WsProjectMessage): void {
    if (this.projects.apply(message) !== 'applied') return;
    this.emit('project', message);
    this.emit('projects', this.projects.list());
    const about = 'member' in message.data ? message.data.member.user_id : undefined;
    const projectId = 'member' in message.data ? message.data.project.id : message.data.id;
    if (about === this.#userId && message.type === 'project.member_added') void this.reload();
    const gone =
      message.type === 'project.deleted' ||
      (message.type === 'project.member_removed' && about === this.#userId);
    if (gone && this.view.dropProject(projectId)) this.emit('change', this.view.list());
  }
}
