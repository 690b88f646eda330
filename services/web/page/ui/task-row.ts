import type { Task } from '@taskflow/contracts';
import { formatInstant, h, isoToLocalInput, localInputToIso } from './dom.ts';

/** What a row can ask the page to do. */
export interface RowActions {
  complete(task: Task, completed: boolean): void;
  save(task: Task, changes: { title: string; due_date: string | null }): Promise<boolean>;
  remove(task: Task): void;
  repeat(task: Task): void;
  remind(task: Task): void;
  features: { recurrence: boolean; reminders: boolean };
}

/** One task as a list item; `fill` redraws it for a newer version of the task. */
export function taskRow(task: Task, actions: RowActions): HTMLLIElement {
  const row = h('li', { class: 'task', 'data-task-id': task.id });
  fill(row, task, actions);
  return row;
}

export function fill(row: HTMLLIElement, task: Task, actions: RowActions): void {
  row.dataset.version = String(task.version);
  row.dataset.completed = String(task.completed);
  if (row.dataset.editing === 'true') return; // the user is typing: their draft wins for now
  const done = h('input', {
    type: 'checkbox',
    class: 'task-done',
    'aria-label': task.completed ? 'Reopen' : 'Complete',
  });
  done.checked = task.completed;
  done.addEventListener('change', () => actions.complete(task, done.checked));

  const meta = h('span', { class: 'task-meta' });
  if (task.due_date) {
    const overdue = !task.completed && new Date(task.due_date).getTime() < Date.now();
    meta.append(
      h('span', { class: overdue ? 'due overdue' : 'due' }, `Due ${formatInstant(task.due_date)}`),
    );
  }
  if (task.is_recurring) meta.append(h('span', { class: 'badge' }, 'Repeats'));
  if (task.occurrence_at) meta.append(h('span', { class: 'badge subtle' }, 'Occurrence'));

  const button = (label: string, className: string, onClick: () => void, title = label) =>
    h('button', { type: 'button', class: `ghost ${className}`, title, onclick: onClick }, label);

  row.replaceChildren(
    done,
    h('div', { class: 'task-body' }, h('span', { class: 'task-title' }, task.title), meta),
    h(
      'div',
      { class: 'task-actions' },
      button('Edit', 'edit', () => edit(row, task, actions)),
      actions.features.recurrence
        ? button('Repeat', 'repeat', () => actions.repeat(task), 'Set a recurrence')
        : null,
      actions.features.reminders
        ? button('Remind', 'remind', () => actions.remind(task), 'Add a reminder')
        : null,
      button('Delete', 'delete danger', () => actions.remove(task)),
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
  const stop = (latest: Task) => {
    delete row.dataset.editing;
    fill(row, latest, actions);
  };
  const form = h(
    'form',
    { class: 'task-edit' },
    title,
    due,
    h('button', { type: 'submit', class: 'primary small' }, 'Save'),
    h('button', { type: 'button', class: 'ghost', onclick: () => stop(task) }, 'Cancel'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const saved = await actions.save(task, {
      title: title.value,
      due_date: localInputToIso(due.value),
    });
    if (saved) stop(task);
  });
  row.dataset.editing = 'true';
  row.replaceChildren(form);
  title.focus();
}
