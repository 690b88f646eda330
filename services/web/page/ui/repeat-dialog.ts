import type { Task } from '@taskflow/contracts';
import { byId } from './dom.ts';

export interface RepeatChoice {
  rule: string;
  time_zone: string;
  mode: 'schedule' | 'completion';
}

export interface RepeatHandlers {
  /** Resolves to an error message to show, or undefined when done. */
  save(task: Task, choice: RepeatChoice): Promise<string | undefined>;
  stop(task: Task): Promise<string | undefined>;
}

/** The "Repeat" dialog: a few common rules, or any RRULE, in a time zone. */
export function openRepeatDialog(task: Task, handlers: RepeatHandlers): void {
  const dialog = byId<HTMLDialogElement>('repeat-dialog');
  const form = byId<HTMLFormElement>('repeat-form');
  const field = <T extends HTMLElement>(name: string) => form.elements.namedItem(name) as T;
  const preset = field<HTMLSelectElement>('preset');
  const rule = field<HTMLInputElement>('rule');
  const zone = field<HTMLInputElement>('time_zone');
  const mode = field<HTMLSelectElement>('mode');
  const error = form.querySelector<HTMLElement>('.form-error')!;

  byId('repeat-task-title').textContent = task.title;
  const known = [...preset.options].find((option) => option.value === task.recurrence_rule);
  preset.value = task.recurrence_rule ? (known ? known.value : 'custom') : 'FREQ=DAILY';
  rule.value = task.recurrence_rule ?? '';
  zone.value = task.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  mode.value = task.recurrence_mode ?? 'schedule';
  byId('repeat-stop').hidden = !task.is_recurring;
  const showCustom = () => (byId('repeat-custom').hidden = preset.value !== 'custom');
  preset.onchange = showCustom;
  showCustom();
  error.hidden = true;

  form.onsubmit = async (event) => {
    event.preventDefault();
    const action = (event.submitter as HTMLButtonElement | null)?.value;
    if (action === 'cancel') return dialog.close();
    const problem =
      action === 'stop'
        ? await handlers.stop(task)
        : await handlers.save(task, {
            rule: preset.value === 'custom' ? rule.value.trim() : preset.value,
            time_zone: zone.value.trim(),
            mode: mode.value === 'completion' ? 'completion' : 'schedule',
          });
    if (problem === undefined) return dialog.close();
    error.textContent = problem;
    error.hidden = false;
  };
  dialog.showModal();
}
