import type { Project, ProjectRole } from '@taskflow/contracts';
import { byId, formatInstant, h } from './dom.ts';
import { ROLE_LABELS } from './project-bar.ts';

/** Each resolves to an error message to show, or undefined when done. */
export interface MemberHandlers {
  rename(project: Project, name: string): Promise<string | undefined>;
  setMember(project: Project, memberId: string, role: ProjectRole): Promise<string | undefined>;
  removeMember(project: Project, memberId: string): Promise<string | undefined>;
  remove(project: Project): Promise<string | undefined>;
}

/**
 * A project's members, live: an owner renames it, adds members by user id with a role, changes
 * roles, removes members and deletes it; any other member sees who is in it and may leave.
 * `latest` reads the project as the page holds it now, so changes made elsewhere while the
 * dialog is open show in it (`refresh`), and the dialog closes if the project goes away.
 */
export function membersDialog(userId: string, handlers: MemberHandlers) {
  const dialog = byId<HTMLDialogElement>('members-dialog');
  const form = byId<HTMLFormElement>('members-form');
  const field = <T extends HTMLElement>(name: string) => form.elements.namedItem(name) as T;
  const name = field<HTMLInputElement>('name');
  const member = field<HTMLInputElement>('member');
  const role = field<HTMLSelectElement>('role');
  const error = form.querySelector<HTMLElement>('.form-error')!;
  let latest: () => Project | undefined = () => undefined;

  const show = (problem: string | undefined) => {
    error.textContent = problem ?? '';
    error.hidden = problem === undefined;
    return problem === undefined;
  };

  const draw = () => {
    const project = latest();
    if (!project) return dialog.close();
    const owner = project.members.some((m) => m.user_id === userId && m.role === 'owner');
    byId('members-project-name').textContent = project.name;
    if (document.activeElement !== name) name.value = project.name;
    byId('members-rename').hidden = !owner;
    byId('members-add').hidden = !owner;
    byId('project-delete').hidden = !owner;
    byId('members-list').replaceChildren(
      ...project.members.map((m) => {
        const you = m.user_id === userId;
        const choice = h(
          'select',
          { class: 'member-role', 'aria-label': `Role of ${m.user_id}` },
          ...Object.entries(ROLE_LABELS).map(([value, label]) => h('option', { value }, label)),
        );
        choice.value = m.role;
        choice.disabled = !owner;
        choice.onchange = async () => {
          if (!show(await handlers.setMember(project, m.user_id, choice.value as ProjectRole)))
            choice.value = m.role;
        };
        const remove = async () => {
          const problem = await handlers.removeMember(project, m.user_id);
          if (show(problem) && you) dialog.close();
        };
        return h(
          'li',
          { class: 'member', 'data-member-id': m.user_id },
          h('span', { class: 'member-id', title: `Added ${formatInstant(m.added_at)}` }, m.user_id),
          you ? h('span', { class: 'badge subtle' }, 'you') : null,
          choice,
          owner && !you
            ? h('button', { type: 'button', class: 'ghost danger', onclick: remove }, 'Remove')
            : null,
        );
      }),
    );
  };

  form.onsubmit = async (event) => {
    event.preventDefault();
    const project = latest();
    const action = (event.submitter as HTMLButtonElement | null)?.value;
    if (!project || action === 'close') return dialog.close();
    if (action === 'rename') show(await handlers.rename(project, name.value));
    if (action === 'add') {
      const id = member.value.trim();
      if (!id) return show('Type the user id of the person to add.');
      if (show(await handlers.setMember(project, id, role.value as ProjectRole))) member.value = '';
    }
    if (action === 'leave' && show(await handlers.removeMember(project, userId))) dialog.close();
    if (action === 'delete') {
      if (!confirm(`Delete “${project.name}” and every task in it, for every member?`)) return;
      if (show(await handlers.remove(project))) dialog.close();
    }
  };

  return {
    open(read: () => Project | undefined): void {
      latest = read;
      show(undefined);
      member.value = '';
      draw();
      dialog.showModal();
    },
    /** The projects changed: redraw if open. */
    refresh(): void {
      if (dialog.open) draw();
    },
  };
}
