import type { ProjectRole } from '@taskflow/contracts';
import { seededRandom, type Writer } from './store.ts';

interface Live {
  id: string;
  userId: string;
  completed: boolean;
  series: boolean;
  projectId: string | null;
}

interface LiveProject {
  id: string;
  createdBy: string;
  /** Members besides the creator, who stays its owner (task-api keeps a last owner). */
  others: Set<string>;
}

const ROLES: ProjectRole[] = ['owner', 'editor', 'viewer'];

/**
 * A random mix of what users and the scheduler do: creates, edits, completions and reopenings,
 * deletions, series started, spawned and stopped, reminders fired; projects created, renamed and
 * deleted (with their tasks), members added, re-roled and removed, tasks created in projects.
 * Returns the users it wrote for.
 */
export async function randomWorkload(
  write: Writer,
  options: { seed: number; users: number; operations: number },
): Promise<string[]> {
  const random = seededRandom(options.seed);
  const users = Array.from({ length: options.users }, (_, i) => `user-${options.seed}-${i}`);
  const live: Live[] = [];
  const projects: LiveProject[] = [];
  const someLive = (match: (task: Live) => boolean = () => true) => {
    const candidates = live.filter(match);
    return candidates.length > 0 ? random.pick(candidates) : undefined;
  };
  const soon = () => new Date(Date.UTC(2030, random.int(12), 1 + random.int(28), random.int(24)));

  const projectStep = async (i: number) => {
    const roll = random.next();
    const project = projects.length > 0 ? random.pick(projects) : undefined;
    if (roll < 0.25 || !project) {
      const createdBy = random.pick(users);
      const created = await write.createProject(createdBy, `project ${i}`);
      projects.push({ id: created.id, createdBy, others: new Set() });
    } else if (roll < 0.4) {
      await write.renameProject(project.id, `renamed ${i}`);
    } else if (roll < 0.65) {
      const userId = random.pick(users.filter((user) => user !== project.createdBy));
      await write.putMember(project.id, userId, random.pick(ROLES));
      project.others.add(userId);
    } else if (roll < 0.8 && project.others.size > 0) {
      const userId = random.pick([...project.others]);
      await write.removeMember(project.id, userId);
      project.others.delete(userId);
      // Their tasks in it stay (for the members), but they no longer see them to change them.
      for (const task of live.filter((t) => t.projectId === project.id && t.userId === userId)) {
        live.splice(live.indexOf(task), 1);
      }
    } else if (roll < 0.93) {
      const userId = random.pick([project.createdBy, ...project.others]);
      const created = await write.create(userId, { title: `in ${i}`, project_id: project.id });
      live.push({ id: created.id, userId, completed: false, series: false, projectId: project.id });
    } else {
      const gone = new Set(await write.removeProject(project.id));
      projects.splice(projects.indexOf(project), 1);
      for (const task of live.filter((t) => gone.has(t.id))) live.splice(live.indexOf(task), 1);
    }
  };

  for (let i = 0; i < options.operations; i++) {
    if (random.next() < 0.15) {
      await projectStep(i);
      continue;
    }
    const roll = random.next();
    const task = someLive();
    if (roll < 0.35 || !task) {
      const userId = random.pick(users);
      const created = await write.create(userId, {
        title: `task ${i}`,
        description: random.next() < 0.5 ? null : `about ${i}`,
        due_date: random.next() < 0.5 ? null : soon().toISOString(),
      });
      live.push({ id: created.id, userId, completed: false, series: false, projectId: null });
    } else if (roll < 0.55) {
      await write.change(task.userId, task.id, {
        title: `edited ${i}`,
        dueDate: random.next() < 0.3 ? null : soon(),
        description: random.next() < 0.5 ? undefined : `edit ${i}`,
      });
    } else if (roll < 0.7) {
      task.completed = !task.completed;
      await write.change(task.userId, task.id, { completed: task.completed });
    } else if (roll < 0.8) {
      await write.remove(task.userId, task.id);
      live.splice(live.indexOf(task), 1);
    } else if (roll < 0.86) {
      const plain = someLive((t) => !t.series);
      if (plain) {
        await write.makeSeries(plain.userId, plain.id, soon());
        plain.series = true;
      }
    } else if (roll < 0.94) {
      const series = someLive((t) => t.series);
      if (series) {
        const instance = await write.spawn(series.id);
        // Spawned into the series' project, if it has one.
        live.push({
          id: instance.id,
          userId: series.userId,
          completed: false,
          series: false,
          projectId: series.projectId,
        });
      }
    } else if (roll < 0.96) {
      const series = someLive((t) => t.series);
      if (series) {
        await write.stopSeries(series.userId, series.id);
        series.series = false;
      }
    } else {
      await write.reminderTriggered(await write.create(task.userId, { title: `reminded ${i}` }));
    }
  }

  // Always once: a series deleted after spawning. Its instances' series_id goes null through
  // the foreign key, with no event of their own: the fold must know that rule.
  const userId = users[0]!;
  const series = await write.create(userId, { title: 'doomed series' });
  await write.makeSeries(userId, series.id, soon());
  await write.spawn(series.id);
  await write.spawn(series.id);
  await write.remove(userId, series.id);

  // Always once: every project event, the deletion taking a task with it, and a project that
  // stays with a member of each role.
  const [owner, other, third] = [users[0]!, users[1 % users.length]!, users[2 % users.length]!];
  const doomed = await write.createProject(owner, 'doomed project');
  await write.renameProject(doomed.id, 'doomed, renamed');
  await write.putMember(doomed.id, other, 'editor');
  await write.putMember(doomed.id, other, 'viewer');
  await write.create(other, { title: 'in a doomed project', project_id: doomed.id });
  await write.removeMember(doomed.id, other);
  await write.removeProject(doomed.id);
  const kept = await write.createProject(owner, 'kept project');
  await write.putMember(kept.id, other, 'editor');
  await write.putMember(kept.id, third, 'viewer');
  return users;
}
