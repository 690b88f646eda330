import type { TaskSync } from '@taskflow/client';
import type { Task } from '@taskflow/contracts';

/** A search re-runs this long after the last keystroke. */
const TYPING_MS = 250;
/** While a search is shown, live changes re-run it at most this often. */
const CHANGES_MS = 150;
/** The search shows the best this many matches. */
export const SEARCH_LIMIT = 200;

/** Which tasks the list is about: all of them, those in no project, or one project's. */
export type ProjectChoice = '' | 'none' | (string & {});

const inProject = (task: Task, project: ProjectChoice) =>
  project === '' || (task.project_id ?? 'none') === project;

/**
 * What the list shows: every task, or the server's search results for `query` (full text,
 * ranked by relevance: only the server can say what matches), narrowed to one tag on the page;
 * all within the chosen project (or all projects).
 *
 * The tag filter needs no server: the page holds every task, live, and tags are stored lower
 * case. A search does: it runs again whenever the tasks change (`tasksChanged`), since a change
 * here or elsewhere may make a task match or stop matching. Meanwhile the rows shown are always
 * the latest versions the page holds, so an edit shows at once and a deleted task goes at once;
 * only which tasks match waits for the answer.
 */
export class ListFilter {
  #query = '';
  #tag = '';
  #project: ProjectChoice = '';
  /** The current query's matches, best first, from its newest answer. */
  #matches: string[] | undefined;
  #more = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sent = 0;
  #shown = 0;
  #settled = 0;
  readonly #sync: TaskSync;
  readonly #changed: () => void;
  readonly #failed: (error: unknown) => void;

  constructor(sync: TaskSync, handlers: { changed(): void; failed(error: unknown): void }) {
    this.#sync = sync;
    this.#changed = handlers.changed;
    this.#failed = handlers.failed;
  }

  get query(): string {
    return this.#query;
  }

  get tag(): string {
    return this.#tag;
  }

  get project(): ProjectChoice {
    return this.#project;
  }

  /** How many tasks the chosen project holds, search and tag aside. */
  get total(): number {
    return this.#sync.tasks.filter((task) => inProject(task, this.#project)).length;
  }

  get active(): boolean {
    return this.#query !== '' || this.#tag !== '';
  }

  /** A search is waiting for its first answer, or for an answer after a change. */
  get busy(): boolean {
    return this.#query !== '' && (this.#timer !== undefined || this.#settled < this.#sent);
  }

  /** More tasks match than the search shows. */
  get truncated(): boolean {
    return this.#query !== '' && this.#more;
  }

  /** The tasks to show, in order: newest first, or best match first while searching. */
  visible(): Task[] {
    let tasks = this.#sync.tasks;
    if (this.#query && this.#matches) {
      const view = this.#sync.view;
      tasks = this.#matches.map((id) => view.get(id)).filter((task) => task !== undefined);
    }
    return tasks.filter(
      (task) => inProject(task, this.#project) && (!this.#tag || task.tags.includes(this.#tag)),
    );
  }

  setProject(project: ProjectChoice): void {
    if (project === this.#project) return;
    this.#project = project;
    // The best matches within the project, not the project's share of the best matches overall.
    if (this.#query) {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#run(), 0);
    }
    this.#changed();
  }

  setQuery(text: string): void {
    const query = text.trim();
    if (query === this.#query) return;
    this.#query = query;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (query) {
      // The previous query's matches stay until this one's answer: no flicker while typing.
      this.#timer = setTimeout(() => this.#run(), TYPING_MS);
    } else {
      this.#matches = undefined;
      this.#settled = this.#sent; // answers still on their way are for an older query
    }
    this.#changed();
  }

  setTag(tag: string): void {
    this.#tag = tag.toLowerCase();
    this.#changed();
  }

  /** The page's tasks changed (a live event, a write of its own, a reload). */
  tasksChanged(): void {
    if (this.#query && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#run(), CHANGES_MS);
    }
  }

  async #run(): Promise<void> {
    this.#timer = undefined;
    const query = this.#query;
    const project = this.#project;
    const call = ++this.#sent;
    try {
      const page = await this.#sync.api.tasks.list({
        q: query,
        limit: SEARCH_LIMIT,
        project: project || undefined,
      });
      // An answer older than one shown already, or for another query, is dropped.
      if (query !== this.#query || project !== this.#project || call < this.#shown) return;
      this.#shown = call;
      // A fresh read: newer than the page's copy only if its event is still on its way.
      for (const task of page.items) this.#sync.view.upsert(task);
      this.#matches = page.items.map((task) => task.id);
      this.#more = page.next_cursor !== null;
    } catch (error) {
      if (query === this.#query && call === this.#sent) this.#failed(error);
    } finally {
      if (query === this.#query && project === this.#project)
        this.#settled = Math.max(this.#settled, call);
      this.#changed();
    }
  }
}
