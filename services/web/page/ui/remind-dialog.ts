import type { Reminder, Task } from '@taskflow/contracts';
import { byId, formatInstant, h, localInputToIso } from './dom.ts';

export type ReminderChoice = { minutes_before: number } | { remind_at: string };

export interface RemindHandlers {
  list(task: Task): Promise<Reminder[] | undefined>;
  /** Resolves to an error message to show, or undefined when done. */
  add(task: Task, choice: ReminderChoice): Promise<string | undefined>;
  remove(task: Task, reminder: Reminder): Promise<void>;
}

/** The "Remind" dialog: relative to the due date, or at a given time; and the ones set. */
export function openRemindDialog(task: Task, handlers: RemindHandlers): void {
  const dialog = byId<HTMLDialogElement>('remind-dialog');
  const form = byId<HTMLFormElement>('remind-form');
  const field = <T extends HTMLElement>(name: string) => form.elements.namedItem(name) as T;
  const minutes = field<HTMLSelectElement>('minutes');
  const at = field<HTMLInputElement>('at');
  const before = form.querySelector<HTMLInputElement>('input[name="kind"][value="before"]')!;
  const atKind = form.querySelector<HTMLInputElement>('input[name="kind"][value="at"]')!;
  const error = form.querySelector<HTMLElement>('.form-error')!;

  byId('remind-task-title').textContent = task.title;
  // Relative reminders need a due date to be relative to.
  before.disabled = minutes.disabled = task.due_date === null;
  (task.due_date === null ? atKind : before).checked = true;
  at.value = '';
  at.oninput = () => (atKind.checked = true);
  error.hidden = true;

  const refresh = async () => {
    const list = byId('remind-list');
    const reminders = (await handlers.list(task)) ?? [];
    list.replaceChildren(
      ...reminders.map((reminder) =>
        h(
          'li',
          { class: `reminder reminder-${reminder.status}` },
          h('span', {}, formatInstant(reminder.remind_at)),
          h('span', { class: 'badge subtle' }, reminder.status),
          h(
            'button',
            {
              type: 'button',
              class: 'ghost danger',
              onclick: async () => {
                await handlers.remove(task, reminder);
                await refresh();
              },
            },
            'Remove',
          ),
        ),
      ),
    );
  };

  form.onsubmit = async (event) => {
    event.preventDefault();
    if ((event.submitter as HTMLButtonElement | null)?.value === 'cancel') return dialog.close();
    let choice: ReminderChoice;
    if (atKind.checked) {
      const iso = localInputToIso(at.value);
      if (!iso) {
        error.textContent = 'Pick a date and time.';
        error.hidden = false;
        return;
      }
      choice = { remind_at: iso };
    } else {
      choice = { minutes_before: Number(minutes.value) };
    }
    const problem = await handlers.add(task, choice);
    if (problem === undefined) return dialog.close();
    error.textContent = problem;
    error.hidden = false;
  };
  void refresh();
  dialog.showModal();
}
