import { byId } from './dom.ts';

/** The "New project" dialog. `create` resolves to an error message to show, or undefined. */
export function openProjectDialog(create: (name: string) => Promise<string | undefined>): void {
  const dialog = byId<HTMLDialogElement>('project-dialog');
  const form = byId<HTMLFormElement>('project-form');
  const name = form.elements.namedItem('name') as HTMLInputElement;
  const error = form.querySelector<HTMLElement>('.form-error')!;
  name.value = '';
  error.hidden = true;
  form.onsubmit = async (event) => {
    event.preventDefault();
    if ((event.submitter as HTMLButtonElement | null)?.value === 'cancel') return dialog.close();
    const problem = await create(name.value);
    if (problem === undefined) return dialog.close();
    error.textContent = problem;
    error.hidden = false;
  };
  dialog.showModal();
  name.focus();
}
