import { ApiError, type TaskSync } from '@taskflow/client';
import type { Project, Reminder, Task } from '@taskflow/contracts';
import type { MemberHandlers } from './ui/members-dialog.ts';
import type { RemindHandlers, ReminderChoice } from './ui/remind-dialog.ts';
import type { RepeatChoice, RepeatHandlers } from './ui/repeat-dialog.ts';
import type { RowActions } from './ui/task-row.ts';
import { formatInstant } from './ui/dom.ts';
import { toast } from './ui/toasts.ts';

/** What the add form sends. */
export interface NewTask {
  title: string;
  due_date: string | null;
  priority: number | null;
  tags: string[];
  /** The shared project it goes in, or null for a private task. */
  project_id: string | null;
}

/** Features whose routes may not exist on every server yet: off once one answers "no route". */
export const features = { recurrence: true, reminders: true };

/** What to tell the user about a failed call. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const detail = error.details[0];
    return detail ? `${detail.path ? `${detail.path}: ` : ''}${detail.message}` : error.message;
  }
  return 'The server could not be reached. Try again in a moment.';
}

/**
 * Every action of the page: one REST call each. The result is shown at once (`track`); the
 * same change then arrives as an event and is ignored as not newer. Other tabs get it live.
 */
export function pageActions(sync: TaskSync, onFeaturesChanged: () => void) {
  const api = sync.api;
  const unavailable = (feature: keyof typeof features, error: unknown) => {
    if (!(error instanceof ApiError && error.routeMissing)) return false;
    features[feature] = false;
    toast(
      feature === 'recurrence'
        ? 'Recurring tasks are not available here yet'
        : 'Reminders are not available here yet',
      'info',
      'This server does not offer them; the rest of the page works as usual.',
    );
    onFeaturesChanged();
    return true;
  };
  const attempt = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (error) {
      toast('That did not work', 'error', describe(error));
      return undefined;
    }
  };

  const row: RowActions = {
    features,
    complete: (task, completed) =>
      void attempt(() => api.tasks.complete(task.id, completed)).then((t) => t && sync.track(t)),
    save: async (task, changes) => {
      const saved = await attempt(() => api.tasks.update(task.id, changes));
      if (saved) sync.track(saved);
      return saved !== undefined;
    },
    latest: (task) => {
      const held = sync.view.get(task.id);
      return held && held.version >= task.version ? held : task;
    },
    remove: (task) => void attempt(() => api.tasks.remove(task.id)),
    project: (task) => {
      if (task.project_id === null) return undefined;
      return {
        name: sync.projects.get(task.project_id)?.name,
        readOnly: sync.projects.roleIn(task.project_id) === 'viewer',
      };
    },
    filterTag: () => {},
    repeat: () => {},
    remind: () => {},
  };

  /** A project write whose error is shown in its dialog (undefined: done). */
  const answer = async (call: () => Promise<void>) => {
    try {
      await call();
      return undefined;
    } catch (error) {
      return describe(error);
    }
  };
  // A removal of someone else arrives as an event with the project as it now is.
  const members: MemberHandlers = {
    rename: (project, name) =>
      answer(async () => sync.trackProject(await api.projects.rename(project.id, name))),
    setMember: (project, memberId, role) =>
      answer(async () =>
        sync.trackProject(await api.projects.setMember(project.id, memberId, role)),
      ),
    removeMember: (project, memberId) =>
      answer(async () => {
        await api.projects.removeMember(project.id, memberId);
        if (memberId === api.userId) sync.forgetProject(project.id);
      }),
    remove: (project) =>
      answer(async () => {
        await api.projects.remove(project.id);
        sync.forgetProject(project.id);
      }),
  };

  const repeat: RepeatHandlers = {
    save: (task, choice: RepeatChoice) =>
      settle('recurrence', () => api.recurrence.set(task.id, choice)),
    stop: (task) => settle('recurrence', () => api.recurrence.stop(task.id)),
  };

  const remind: RemindHandlers = {
    list: async (task) => {
      try {
        return (await api.reminders.list(task.id)).items;
      } catch (error) {
        if (!unavailable('reminders', error))
          toast('Could not load reminders', 'error', describe(error));
        return undefined;
      }
    },
    add: async (task, choice: ReminderChoice) => {
      try {
        const reminder = await api.reminders.create(task.id, choice);
        toast('Reminder set', 'info', `for ${formatInstant(reminder.remind_at)}`);
        return undefined;
      } catch (error) {
        return unavailable('reminders', error) ? undefined : describe(error);
      }
    },
    remove: async (task, reminder: Reminder) => {
      await attempt(() => api.reminders.remove(task.id, reminder.id));
    },
  };

  /** A write whose error is shown in its dialog; "no route" turns the feature off instead. */
  async function settle(feature: keyof typeof features, call: () => Promise<Task>) {
    try {
      sync.track(await call());
      return undefined;
    } catch (error) {
      return unavailable(feature, error) ? undefined : describe(error);
    }
  }

  return {
    row,
    repeat,
    remind,
    members,
    /** The new project, or an error message to show. */
    async createProject(name: string): Promise<Project | string> {
      try {
        const project = await api.projects.create(name);
        sync.trackProject(project);
        return project;
      } catch (error) {
        return describe(error);
      }
    },
    /** The new task, or undefined when it could not be made (a toast says why). */
    async create(fields: NewTask): Promise<Task | undefined> {
      const task = await attempt(() => api.tasks.create(fields));
      if (task) sync.track(task);
      return task;
    },
  };
}
