import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import postgres from 'postgres';
import {
  freshTask,
  makeEvent,
  type EventType,
  type Project,
  type ProjectRole,
  type Task,
} from '@taskflow/contracts';
import {
  advanceSeries,
  connect,
  deleteMember,
  deleteProjectAndTasks,
  deleteTask,
  findTask,
  insertInstances,
  insertProject,
  loadProject,
  lockSeries,
  projectRole,
  putMember,
  setSeries,
  stopSeries,
  toTask,
  touchProject,
  updateTask,
  type Database,
  type TaskChanges,
  type Tx,
} from '@taskflow/db';
import { createOutbox, type Outbox } from '@taskflow/outbox';
import { createTestDatabase } from '@taskflow/testkit';

/** A fresh migrated database for one test file, dropped after it. */
export async function testStore() {
  const testDatabase = await createTestDatabase();
  const database = connect(testDatabase.url, { max: 4 });
  /** Raw SQL, for what no service would ever do: corrupting a row by hand. */
  const sql = postgres(testDatabase.url, { max: 1, onnotice: () => {} });
  afterAll(async () => {
    await sql.end();
    await database.close();
    await testDatabase.drop();
  });
  return { url: testDatabase.url, database, sql, write: writer(database) };
}

const actor = (userId: string) => ({ userId, correlationId: `test-${randomUUID()}` });

/** As task-api keys it: by the project's creator, to its members (or the audience given). */
function projectEvent<T extends EventType & `project.${string}`>(
  type: T,
  project: Project,
  data: Parameters<typeof makeEvent<T>>[2],
  audience = project.members.map((member) => member.user_id),
) {
  return makeEvent(type, project, data, {
    ...actor(project.created_by),
    audience: [...new Set(audience)].sort(),
  });
}

/** The project's row held for update, as task-api's owner check takes it before a change. */
async function lockProject(tx: Tx, projectId: string): Promise<void> {
  await projectRole(tx, projectId, '', 'update');
}

/**
 * Writes tasks and their events exactly as the services do (task-api's commands, the
 * scheduler's spawn): the row and its event(s) in one unit of work of the outbox, the event
 * carrying the row as written. No relay runs here. The end-to-end suite drives the real
 * services instead.
 */
export function writer(database: Database) {
  const outbox = createOutbox({ database, relay: { notify: () => {} } });
  return {
    ...projectWriter(outbox),

    async create(userId: string, fields: Partial<Task> = {}): Promise<Task> {
      const now = new Date();
      const task: Task = {
        ...freshTask({ id: randomUUID(), user_id: userId, title: 'task' }, now.toISOString()),
        ...fields,
      };
      const event = makeEvent('task.created', task, task, { ...actor(userId), at: now });
      await outbox.createTasks([{ task, event }]);
      return task;
    },

    async change(userId: string, id: string, changes: TaskChanges): Promise<Task> {
      return outbox.commit(async (tx, emit) => {
        const before = (await findTask(tx, userId, id, { forUpdate: true }))!;
        const task = toTask(await updateTask(tx, id, changes));
        const type = !before.completed && task.completed ? 'task.completed' : 'task.updated';
        emit(makeEvent(type, task, task, actor(userId)));
        return task;
      });
    },

    async remove(userId: string, id: string): Promise<void> {
      await outbox.commit(async (tx, emit) => {
        await findTask(tx, userId, id, { forUpdate: true });
        const task = toTask(await deleteTask(tx, id));
        emit(makeEvent('task.deleted', task, task, actor(userId)));
      });
    },

    /** Makes the task a daily series whose next occurrence is `next`. */
    async makeSeries(userId: string, id: string, next: Date): Promise<Task> {
      return outbox.commit(async (tx, emit) => {
        const task = toTask(
          await setSeries(tx, id, {
            recurrenceRule: 'FREQ=DAILY',
            timeZone: 'Europe/Berlin',
            recurrenceMode: 'schedule',
            seriesStart: next,
            nextOccurrence: next,
          }),
        );
        emit(makeEvent('task.updated', task, task, actor(userId)));
        return task;
      });
    },

    async stopSeries(userId: string, id: string): Promise<Task> {
      return outbox.commit(async (tx, emit) => {
        const task = toTask(await stopSeries(tx, id));
        emit(makeEvent('task.updated', task, task, actor(userId)));
        return task;
      });
    },

    /**
     * The scheduler's spawn of the series' pending occurrence: the instance (task.created and
     * recurring.spawned) and the series one day on (task.updated), in one transaction.
     */
    async spawn(seriesId: string): Promise<Task> {
      return outbox.commit(async (tx, emit) => {
        const series = toTask((await lockSeries(tx, seriesId))!);
        const now = new Date();
        const occurrence = series.next_occurrence!;
        const instance: Task = {
          ...freshTask(
            { id: randomUUID(), user_id: series.user_id, title: series.title },
            now.toISOString(),
          ),
          description: series.description,
          due_date: occurrence,
          series_id: series.id,
          occurrence_at: occurrence,
        };
        const advanced: Task = {
          ...series,
          next_occurrence: new Date(Date.parse(occurrence) + 86_400_000).toISOString(),
          version: series.version + 1,
          updated_at: now.toISOString(),
        };
        const context = { ...actor(series.user_id), at: now };
        await insertInstances(tx, [instance]);
        await advanceSeries(tx, [advanced]);
        emit(
          makeEvent('task.created', instance, instance, context),
          makeEvent(
            'recurring.spawned',
            instance,
            {
              series_id: series.id,
              instance_id: instance.id,
              occurrence_at: occurrence,
              next_occurrence: advanced.next_occurrence,
              title: instance.title,
              due_date: instance.due_date,
              project_id: instance.project_id,
            },
            context,
          ),
          makeEvent('task.updated', advanced, advanced, context),
        );
        return instance;
      });
    },

    /** A reminder.triggered event: it changes no task, and the fold must not think otherwise. */
    async reminderTriggered(task: Task): Promise<void> {
      const reminderId = randomUUID();
      await outbox.commit(async (_tx, emit) =>
        emit(
          makeEvent(
            'reminder.triggered',
            { id: reminderId, version: 1 },
            {
              reminder_id: reminderId,
              task_id: task.id,
              title: task.title,
              remind_at: new Date().toISOString(),
              due_date: task.due_date,
              late: false,
              project_id: task.project_id,
            },
            actor(task.user_id),
          ),
        ),
      );
    },
  };
}

/**
 * Projects and their members as services/task-api/src/projects/commands.ts writes them (without
 * its permission checks): each change under the project's row lock, one more project version,
 * its event carrying the project (and the member) as written.
 */
function projectWriter(outbox: Outbox) {
  return {
    async createProject(userId: string, name = 'project'): Promise<Project> {
      return outbox.commit(async (tx, emit) => {
        const project = await insertProject(tx, { id: randomUUID(), name, createdBy: userId });
        emit(projectEvent('project.created', project, project));
        return project;
      });
    },

    async renameProject(projectId: string, name: string): Promise<Project> {
      return outbox.commit(async (tx, emit) => {
        await lockProject(tx, projectId);
        const project = await touchProject(tx, projectId, { name });
        emit(projectEvent('project.updated', project, project));
        return project;
      });
    },

    /** Adds the user with the role, or changes their role (if it is another). */
    async putMember(projectId: string, userId: string, role: ProjectRole): Promise<Project> {
      return outbox.commit(async (tx, emit) => {
        await lockProject(tx, projectId);
        const before = (await loadProject(tx, projectId))!;
        // As task-api: the role the member has already is no change, and has no event.
        if (before.members.some((m) => m.user_id === userId && m.role === role)) return before;
        const { member, added } = await putMember(tx, projectId, userId, role);
        const project = await touchProject(tx, projectId);
        const type = added ? 'project.member_added' : 'project.member_updated';
        emit(projectEvent(type, project, { project, member }));
        return project;
      });
    },

    async removeMember(projectId: string, userId: string): Promise<Project> {
      return outbox.commit(async (tx, emit) => {
        await lockProject(tx, projectId);
        const member = (await deleteMember(tx, projectId, userId))!;
        const project = await touchProject(tx, projectId);
        const audience = [...project.members.map((m) => m.user_id), userId];
        emit(projectEvent('project.member_removed', project, { project, member }, audience));
        return project;
      });
    },

    /** Deletes the project and its tasks, each with its task.deleted; returns their ids. */
    async removeProject(projectId: string): Promise<string[]> {
      return outbox.commit(async (tx, emit) => {
        await lockProject(tx, projectId);
        const project = (await loadProject(tx, projectId))!;
        const audience = project.members.map((member) => member.user_id);
        const tasks = (await deleteProjectAndTasks(tx, projectId)).map(toTask);
        for (const task of tasks) {
          emit(makeEvent('task.deleted', task, task, { ...actor(task.user_id), audience }));
        }
        const deleted = {
          ...project,
          version: project.version + 1,
          updated_at: new Date().toISOString(),
        };
        emit(projectEvent('project.deleted', deleted, deleted, audience));
        return tasks.map((task) => task.id);
      });
    },
  };
}

export type Writer = ReturnType<typeof writer>;

/** A small seeded generator (mulberry32): a failing random workload can be run again. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
