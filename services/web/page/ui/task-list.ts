import type { Task } from '@taskflow/contracts';
import { byId } from './dom.ts';
import { fill, rowStamp, taskRow, type RowActions } from './task-row.ts';

/**
 * Keeps the list in step with the tasks, by id: rows are created, redrawn (only when their
 * version, or their project's name or the user's role in it, changed), moved and removed, never rebuilt wholesale, so a row being edited keeps its
 * draft and focus while other tasks change. A row changed from elsewhere flashes briefly.
 */
export function renderTasks(
  tasks: Task[],
  actions: RowActions,
  { flash = true, filtered = false, total = tasks.length, note = '' } = {},
): void {
  const list = byId<HTMLUListElement>('tasks');
  const rows = new Map<string, HTMLLIElement>();
  for (const row of list.querySelectorAll<HTMLLIElement>('li.task')) {
    rows.set(row.dataset.taskId!, row);
  }
  let previous: Element | null = null;
  for (const task of tasks) {
    let row = rows.get(task.id);
    rows.delete(task.id);
    if (!row) {
      row = taskRow(task, actions);
      if (flash) highlight(row);
    } else if (row.dataset.stamp !== rowStamp(task, actions)) {
      fill(row, task, actions);
      if (flash) highlight(row);
    }
    const expectedPlace: Element | null = previous
      ? previous.nextElementSibling
      : list.firstElementChild;
    if (expectedPlace !== row) {
      if (previous) previous.after(row);
      else list.prepend(row);
    }
    previous = row;
  }
  for (const row of rows.values()) row.remove();

  const open = tasks.filter((task) => !task.completed).length;
  const counts = tasks.length ? `${open} open · ${tasks.length - open} done` : '';
  const shown = filtered ? [`${tasks.length} of ${total} shown`, note] : [];
  byId('summary').textContent = [...shown, counts].filter(Boolean).join(' · ');
  const empty = byId('empty');
  empty.textContent = filtered ? EMPTY_FILTERED : EMPTY;
  empty.hidden = tasks.length > 0;
}

const EMPTY = 'Nothing to do. Add a task above; other tabs will see it at once.';
const EMPTY_FILTERED = 'No task matches the search or tag. “Clear” shows them all.';

function highlight(row: HTMLElement): void {
  row.classList.remove('changed');
  void row.offsetWidth; // restart the animation
  row.classList.add('changed');
}
