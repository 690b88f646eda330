// The page: sign in, then the user's tasks kept live by @taskflow/client's TaskSync (a REST
// snapshot, then WebSocket events applied by version; resync over REST when told to).
// REST and WebSocket go to this page's own origin, where the ingress (or, locally, the web
// service's gateway) routes /api to task-api and /ws to ws-notifier; or, when /config.json
// names them, to task-api and ws-notifier on their own origins (CORS).
import { ApiError, createTaskflowClient, LiveSocket, TaskSync } from '@taskflow/client';
import { describe, pageActions } from './actions.ts';
import { ListFilter, SEARCH_LIMIT } from './search.ts';
import {
  clearSession,
  pageConfig,
  saveSession,
  storedSession,
  type PageConfig,
  type Session,
} from './session.ts';
import { showConnection } from './ui/connection.ts';
import { byId, formatInstant, localInputToIso } from './ui/dom.ts';
import { parseTags, priorityFromInput } from './ui/fields.ts';
import { filterBar } from './ui/filter-bar.ts';
import { membersDialog } from './ui/members-dialog.ts';
import { projectBar } from './ui/project-bar.ts';
import { openProjectDialog } from './ui/project-dialog.ts';
import { openRemindDialog } from './ui/remind-dialog.ts';
import { openRepeatDialog } from './ui/repeat-dialog.ts';
import { askForSession } from './ui/sign-in.ts';
import { renderTasks } from './ui/task-list.ts';
import { toast } from './ui/toasts.ts';

async function start(): Promise<void> {
  showConnection('closed');
  const config = await pageConfig();
  const session = storedSession() ?? (await askForSession(config.dev_sign_in));
  saveSession(session);
  openBoard(session, config);
}

function openBoard(session: Session, config: PageConfig): void {
  byId('who').textContent = session.userId;
  byId('account').hidden = false;
  byId('board').hidden = false;

  const token = () => session.token;
  const api = createTaskflowClient({ baseUrl: config.api_url, userId: session.userId, token });
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const live = new LiveSocket({
    baseUrl: config.ws_url || `${scheme}://${location.host}`,
    userId: session.userId,
    token,
  });
  const sync = new TaskSync({ api, live });
  let loaded = false;

  // The list shows every task, or a search's matches, or those with one tag (search.ts).
  const filter = new ListFilter(sync, {
    // Rows that come and go with the filter are not changes: they do not flash.
    changed: () => rerender(false),
    failed: (error) => toast('The search did not work', 'error', describe(error)),
  });
  const bar = filterBar(filter);
  const rerender = (flash = loaded) => {
    const projects = sync.projects.list();
    // A project's tasks shown alone need no badge naming it.
    const inView = (task: { project_id: string | null }) => task.project_id !== filter.project;
    renderTasks(
      filter.visible(),
      {
        ...actions.row,
        project: (task) => {
          const shown = actions.row.project(task);
          return shown && { ...shown, name: inView(task) ? shown.name : undefined };
        },
      },
      {
        flash,
        filtered: filter.active,
        total: filter.total,
        note: filter.truncated ? `the best ${SEARCH_LIMIT} matches` : '',
      },
    );
    bar.update(sync.tasks);
    projectsBar.update(projects, (id) => sync.projects.roleIn(id));
    members.refresh();
  };
  const actions = pageActions(sync, () => rerender());
  actions.row.repeat = (task) => openRepeatDialog(task, actions.repeat);
  actions.row.remind = (task) => openRemindDialog(task, actions.remind);
  actions.row.filterTag = (tag) => bar.showTag(tag);
  const members = membersDialog(session.userId, actions.members);
  const projectsBar = projectBar(filter, {
    create: () =>
      openProjectDialog(async (name) => {
        const project = await actions.createProject(name);
        if (typeof project === 'string') return project;
        projectsBar.show(project.id);
        return undefined;
      }),
    manage: (project) => members.open(() => sync.projects.get(project.id)),
  });

  sync.on('change', () => {
    filter.tasksChanged();
    rerender();
  });
  sync.on('loaded', () => {
    rerender();
    loaded = true;
    document.body.dataset.loaded = 'true';
  });
  sync.on('projects', () => rerender());
  sync.on('state', showConnection);
  sync.on('reminder', (message) =>
    toast(
      `Reminder: ${message.data.title}`,
      'reminder',
      message.data.due_date ? `Due ${formatInstant(message.data.due_date)}` : 'Reminder',
    ),
  );
  sync.on('spawned', (message) =>
    toast(`New occurrence: ${message.data.title}`, 'info', 'A recurring task is due again'),
  );
  sync.on('error', (error) => {
    // A token the servers no longer accept: back to signing in.
    if (error instanceof ApiError && error.status === 401) signOut();
  });

  byId<HTMLFormElement>('add-form').onsubmit = async (event) => {
    event.preventDefault();
    const title = byId<HTMLInputElement>('add-title');
    const due = byId<HTMLInputElement>('add-due');
    const priority = byId<HTMLSelectElement>('add-priority');
    const tags = byId<HTMLInputElement>('add-tags');
    if (!title.value.trim()) return;
    const task = await actions.create({
      title: title.value.trim(),
      due_date: localInputToIso(due.value),
      priority: priorityFromInput(priority.value),
      tags: parseTags(tags.value),
      // Added while a project is shown: it goes in that project.
      project_id: sync.projects.get(filter.project) ? filter.project : null,
    });
    if (!task) return;
    title.value = '';
    due.value = '';
    priority.value = '';
    tags.value = '';
    title.focus();
    // A search re-runs by itself and shows the task if it matches; a tag is known at once.
    if (filter.tag && !task.tags.includes(filter.tag)) {
      toast('Added, but not shown', 'info', `It is not tagged ${filter.tag}; “Clear” shows it.`);
    }
  };
  const signOut = () => {
    sync.stop();
    clearSession();
    location.reload();
  };
  byId('sign-out').onclick = signOut;
  sync.start();
}

void start();
