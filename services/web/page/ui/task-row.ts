import type { Task } from '@taskflow/contracts';
import { formatInstant, h, isoToLocalInput, localInputToIso } from './dom.ts';
import { parseTags, PRIORITY_LABELS, priorityFromInput, prioritySelect } from './fields.ts';

/** What the edit form changes. */
export interface TaskChanges {
  title: string;
  due_date: string | null;
  priority: number | null;
  tags: string[];
}

/** What a row can ask the page to do. */
export interface RowActions {
  complete(task: Task, completed: boolean): void;
  save(task: Task, changes: TaskChanges): Promise<boolean>;
  /** The newest version of this task the page holds. */
  latest(task: Task): Task;
  remove(task: Task): void;
  /** Shows only the tasks that carry this tag. */
  filterTag(tag: string): void;
  repeat(task: Task): void;
  remind(task: Task): void;
  /** The shared project a task is in, as the row shows it (undefined: a private task). */
  project(task: Task): RowProject | undefined;
  features: { recurrence: boolean; reminders: boolean };
}

/** A shared task's project: its name (shown unless the list shows that project alone). */
export interface RowProject {
  name: string | undefined;
  /** The user is a viewer there: they read it and set their own reminders, nothing more. */
  readOnly: boolean;
}

/** What a row shows beyond the task itself: a change redraws the row as a new version would. */
export const rowStamp = (task: Task, actions: RowActions): string => {
  const project = actions.project(task);
  return `${task.version}|${project?.name ?? ''}|${project?.readOnly ?? false}`;
};

/** One task as a list item; `fill` redraws it for a newer version of the task. */
export function taskRow(task: Task, actions: RowActions): HTMLLIElement {
  const row = h('li', { class: 'task', 'data-task-id': task.id });
  fill(row, task, actions);
  return row;
}

export function fill(row: HTMLLIElement, task: Task, actions: RowActions): void {
  row.dataset.version = String(task.version);
  row.dataset.stamp = rowStamp(task, actions);
  row.dataset.completed = String(task.completed);
  row.dataset.priority = task.priority === null ? '' : String(task.priority);
  if (row.dataset.editing === 'true') return; // the user is typing: their draft wins for now
  const done = h('input', {
    type: 'checkbox',
    class: 'task-done',
    'aria-label': task.completed ? 'Reopen' : 'Complete',
  });
  done.checked = task.completed;
  done.addEventListener('change', () => actions.complete(task, done.checked));
  const project = actions.project(task);
  const readOnly = project?.readOnly ?? false;
  row.dataset.readOnly = String(readOnly);
  done.disabled = readOnly;

  const meta = h('span', { class: 'task-meta' });
  if (project?.name !== undefined) {
    meta.append(h('span', { class: 'badge project', title: 'Shared project' }, project.name));
  }
  if (task.priority !== null) {
    const label = PRIORITY_LABELS[task.priority];
    meta.append(
      h(
        'span',
        { class: `priority priority-${task.priority}`, title: `Priority ${task.priority} of 4` },
        h('span', { class: 'sr-only' }, 'Priority: '),
        label,
      ),
    );
  }
  if (task.due_date) {
    const overdue = !task.completed && new Date(task.due_date).getTime() < Date.now();
    meta.append(
      h('span', { class: overdue ? 'due overdue' : 'due' }, `Due ${formatInstant(task.due_date)}`),
    );
  }
  if (task.is_recurring) meta.append(h('span', { class: 'badge' }, 'Repeats'));
  if (task.occurrence_at) meta.append(h('span', { class: 'badge subtle' }, 'Occurrence'));
  for (const tag of task.tags) {
    meta.append(
      h(
        'button',
        {
          type: 'button',
          class: 'tag',
          'data-tag': tag,
          title: `Show only tasks tagged ${tag}`,
          onclick: () => actions.filterTag(tag),
        },
        `#${tag}`,
      ),
    );
  }

  const button = (label: string, className: string, onClick: () => void, title = label) =>
    h('button', { type: 'button', class: `ghost ${className}`, title, onclick: onClick }, label);

  row.replaceChildren(
    done,
    h(
      'div',
      { class: 'task-body' },
      h('span', { class: 'task-title' }, task.title),
      task.description ? h('span', { class: 'task-description' }, task.description) : null,
      meta,
    ),
    h(
      'div',
      { class: 'task-actions' },
      readOnly ? null : button('Edit', 'edit', () => edit(row, task, actions)),
      actions.features.recurrence && !readOnly
        ? button('Repeat', 'repeat', () => actions.repeat(task), 'Set a recurrence')
        : null,
      actions.features.reminders
        ? button('Remind', 'remind', () => actions.remind(task), 'Add a reminder')
        : null,
      readOnly ? null : button('Delete', 'delete danger', () => actions.remove(task)),
    ),
  );
}

function edit(row: HTMLLIElement, task: Task, actions: RowActions): void {
  const title = h('input', {
    class: 'edit-title',
    value: task.title,
    maxlength: 500,
    required: true,
    'aria-label': 'Title',
  });
  const due = h('input', {
    class: 'edit-due',
    type: 'datetime-local',
    value: isoToLocalInput(task.due_date),
    'aria-label': 'Due',
  });
  const priority = prioritySelect(task.priority, 'edit-priority');
  const tags = h('input', {
    class: 'edit-tags',
    value: task.tags.join(' '),
    placeholder: 'tags',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-label': 'Tags (separated by spaces or commas)',
  });
  // Redrawn as the page holds it now (the saved version, or a newer one from elsewhere), not
  // as it was when the form opened: changes that arrived meanwhile drew nothing.
  const stop = (opened: Task) => {
    delete row.dataset.editing;
    fill(row, actions.latest(opened), actions);
  };
  const form = h(
    'form',
    { class: 'task-edit' },
    title,
    due,
    priority,
    tags,
    h('button', { type: 'submit', class: 'primary small' }, 'Save'),
    h('button', { type: 'button', class: 'ghost', onclick: () => stop(task) }, 'Cancel'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await actions.save(task, {
      title: title.value,
      due_date: localInputToIso(due.value),
      priority: priorityFromInput(priority.value),
      tags: parseTags(tags.value),
    });
    if (saved) stop(task);
  });
  row.dataset.editing = 'true';
  row.replaceChildren(form);
  title.focus();
}
