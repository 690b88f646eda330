import type { Project, ProjectRole } from '@taskflow/contracts';
import type { ListFilter, ProjectChoice } from '../search.ts';
import { byId, h } from './dom.ts';

export const ROLE_LABELS: Record<ProjectRole, string> = {
  owner: 'Owner',
  editor: 'Editor',
  viewer: 'Viewer',
};

/**
 * The choice of what the list is about (all tasks, private ones, or one shared project), the
 * user's role there, and the buttons to manage it or make a new one.
 */
export function projectBar(
  filter: ListFilter,
  handlers: { create(): void; manage(project: Project): void },
) {
  const select = byId<HTMLSelectElement>('project-select');
  const role = byId('project-role');
  const members = byId<HTMLButtonElement>('project-members');
  let shown: Project | undefined;

  select.addEventListener('change', () => filter.setProject(select.value as ProjectChoice));
  byId('new-project').addEventListener('click', () => handlers.create());
  members.addEventListener('click', () => shown && handlers.manage(shown));

  return {
    /** Chooses a project, as if picked. */
    show(project: ProjectChoice): void {
      filter.setProject(project);
      select.value = project;
    },
    /** After every change to the projects: the choice on offer and the chosen one's role. */
    update(projects: Project[], roleIn: (id: string) => ProjectRole | undefined): void {
      // A project left or deleted while chosen: back to every task.
      if (!['', 'none'].includes(filter.project) && !projects.some((p) => p.id === filter.project))
        filter.setProject('');
      const options = [
        h('option', { value: '' }, 'All tasks'),
        h('option', { value: 'none' }, 'Private'),
        ...projects.map((project) => h('option', { value: project.id }, project.name)),
      ];
      const now = options.map((o) => `${o.value}\t${o.textContent}`).join('\n');
      const before = [...select.options].map((o) => `${o.value}\t${o.textContent}`).join('\n');
      // Rebuilt only when the choice differs, so an open or focused choice is left alone.
      if (now !== before) select.replaceChildren(...options);
      select.value = filter.project;
      shown = projects.find((project) => project.id === filter.project);
      const mine = shown && roleIn(shown.id);
      role.hidden = members.hidden = !mine;
      role.textContent = mine ? ROLE_LABELS[mine] : '';
      // A viewer adds nothing to the project shown (the server would refuse it: 403).
      const title = byId<HTMLInputElement>('add-title');
      const viewer = mine === 'viewer';
      byId('add-form').toggleAttribute('inert', viewer);
      title.placeholder = viewer ? 'Viewers cannot add tasks here' : 'What needs doing?';
    },
  };
}
