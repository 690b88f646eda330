import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, type EventEnvelope, type Project, type Task } from '@taskflow/contracts';
import { createOutbox } from '@taskflow/outbox';
import { isProjectDifference, type Difference } from '../src/differences.ts';
import { verifyStore } from '../src/verify.ts';
import { testStore } from './store.ts';
import { randomWorkload } from './workload.ts';

const store = await testStore();
const SEED = Number(process.env.REPLAY_TEST_SEED ?? Date.now() % 100_000);

async function verify(options: { batchSize?: number; userId?: string } = {}) {
  const differences: Difference[] = [];
  const summary = await verifyStore(store.database, {
    batchSize: options.batchSize ?? 5000,
    userId: options.userId,
    onDifference: (d) => differences.push(d),
  });
  return { summary, differences };
}

/** An event no service would append, with no change to any row. */
async function appendByHand(event: EventEnvelope): Promise<void> {
  const outbox = createOutbox({ database: store.database, relay: { notify: () => {} } });
  await outbox.commit(async (_tx, emit) => emit(event));
}
const byHand = (userId: string) => ({ userId, correlationId: 'by-hand' });

beforeAll(async () => {
  await randomWorkload(store.write, { seed: SEED, users: 5, operations: 400 });
}, 120_000);

describe(`replay verify after a random workload (seed ${SEED})`, () => {
  it('finds no difference, whatever the batch size', async () => {
    const [counts] = await store.sql<
      {
        taskEvents: number;
        rows: number;
        aggregates: number;
        projectEvents: number;
        projectTypes: number;
        projectRows: number;
        projectAggregates: number;
        memberRows: number;
      }[]
    >`select (select count(*)::int from events where event_type like 'task.%') as "taskEvents",
             (select count(*)::int from tasks) as rows,
             (select count(distinct aggregate_id)::int from events where event_type like 'task.%') as aggregates,
             (select count(*)::int from events where event_type like 'project.%') as "projectEvents",
             (select count(distinct event_type)::int from events where event_type like 'project.%') as "projectTypes",
             (select count(*)::int from projects) as "projectRows",
             (select count(distinct aggregate_id)::int from events where event_type like 'project.%') as "projectAggregates",
             (select count(*)::int from project_members) as "memberRows"`;
    const { taskEvents, rows, aggregates, projectRows, memberRows } = counts!;
    // The workload wrote every project event type, and projects beside their tasks.
    expect(counts!.projectTypes).toBe(6);
    expect(memberRows).toBeGreaterThan(projectRows);
    for (const batchSize of [1, 7, 5000]) {
      const { summary, differences } = await verify({ batchSize });
      expect(differences, `batch size ${batchSize}`).toEqual([]);
      expect(summary.tasks).toMatchObject({
        events: taskEvents,
        folded: aggregates,
        live: rows,
        rowsCompared: rows,
        rowsScanned: rows,
      });
      expect(summary.projects).toMatchObject({
        events: counts!.projectEvents,
        folded: counts!.projectAggregates,
        live: projectRows,
        deleted: counts!.projectAggregates - projectRows,
        rowsCompared: projectRows,
        rowsScanned: projectRows,
        membersCompared: memberRows,
        differences: 0,
      });
    }
  });

  it('a series deleted after spawning leaves its instances with series_id null, as expected', async () => {
    const [orphaned] = await store.sql<{ n: number }[]>`
      select count(*)::int as n from tasks t
      where t.series_id is null and t.occurrence_at is not null`;
    expect(orphaned!.n).toBeGreaterThanOrEqual(2);
    expect((await verify()).differences).toEqual([]);
  });
});

describe('replay verify after corruption by hand', () => {
  it('reports exactly the corrupted rows and fields, for the user and for the whole store', async () => {
    const userId = `victim-${randomUUID()}`;
    const retitled = await store.write.create(userId, { title: 'Buy milk' });
    const moved = await store.write.create(userId, { due_date: '2030-05-01T09:00:00.000Z' });
    const lost = await store.write.create(userId);
    const revived = await store.write.create(userId);
    await store.write.remove(userId, revived.id);
    const gapped = await store.write.create(userId);
    const stranger = randomUUID();

    await store.sql`update tasks set title = 'Buy beer' where id = ${retitled.id}`;
    await store.sql`update tasks set due_date = due_date + interval '1 second' where id = ${moved.id}`;
    await store.sql`delete from tasks where id = ${lost.id}`;
    await store.sql`insert into tasks (id, user_id, title) values (${revived.id}, ${userId}, 'back')`;
    await store.sql`insert into tasks (id, user_id, title) values (${stranger}, ${userId}, 'nobody wrote me')`;
    // An event that skips versions 2 to 4: the history is broken even though it folds.
    const skipped: Task = { ...gapped, version: 5 };
    await appendByHand(makeEvent('task.updated', skipped, skipped, byHand(userId)));

    const expected = [
      {
        kind: 'field',
        taskId: retitled.id,
        field: 'title',
        expected: 'Buy milk',
        actual: 'Buy beer',
      },
      {
        kind: 'field',
        taskId: moved.id,
        field: 'due_date',
        expected: '2030-05-01T09:00:00.000Z',
        actual: '2030-05-01T09:00:01.000Z',
      },
      { kind: 'missing', taskId: lost.id, version: 1 },
      { kind: 'deleted', taskId: revived.id, version: 2, rowVersion: 1 },
      { kind: 'unknown', taskId: stranger, rowVersion: 1 },
      { kind: 'history', taskId: gapped.id, message: 'version 5 follows version 1' },
      { kind: 'field', taskId: gapped.id, field: 'version', expected: 5, actual: 1 },
    ].map((d) => expect.objectContaining({ ...d, userId }));

    for (const scope of [{ userId }, {}]) {
      for (const batchSize of [2, 5000]) {
        const { differences, summary } = await verify({ ...scope, batchSize });
        expect(differences).toEqual(expect.arrayContaining(expected));
        expect(differences).toHaveLength(expected.length);
        expect(summary.differences).toEqual({
          field: 3,
          missing: 1,
          deleted: 1,
          unknown: 1,
          history: 1,
          member_missing: 0,
          member_unknown: 0,
          member_field: 0,
        });
      }
    }
    // Another user's verify sees none of it.
    expect((await verify({ userId: 'user-nobody' })).differences).toEqual([]);
  });
});

describe('replay verify of projects after corruption by hand', () => {
  it('reports exactly the corrupted projects and members, for the creator and for the whole store', async () => {
    const userId = `creator-${randomUUID()}`;
    const [bob, carol] = [`bob-${randomUUID()}`, `carol-${randomUUID()}`];
    const write = store.write;
    const renamed = await write.createProject(userId, 'Home');
    const lostMember = await write.putMember((await write.createProject(userId)).id, bob, 'editor');
    const extraMember = await write.createProject(userId);
    const reRoled = await write.putMember((await write.createProject(userId)).id, bob, 'editor');
    const gapped = await write.createProject(userId);
    const lost = await write.createProject(userId);
    const revived = await write.createProject(userId);
    await write.removeProject(revived.id);
    const stranger = randomUUID();

    await store.sql`update projects set name = 'Tampered' where id = ${renamed.id}`;
    await store.sql`delete from project_members where project_id = ${lostMember.id} and user_id = ${bob}`;
    await store.sql`insert into users (id) values (${carol})`;
    await store.sql`insert into project_members (project_id, user_id, role)
      values (${extraMember.id}, ${carol}, 'viewer')`;
    await store.sql`update project_members set role = 'owner'
      where project_id = ${reRoled.id} and user_id = ${bob}`;
    await store.sql`delete from projects where id = ${lost.id}`;
    await store.sql`insert into projects (id, name, created_by, version, created_at, updated_at)
      values (${revived.id}, ${revived.name}, ${userId}, 1, ${revived.created_at}, ${revived.updated_at})`;
    // A row no event mentions, with a member: the row is reported, not its members one by one.
    await store.sql`insert into projects (id, name, created_by) values (${stranger}, 'nobody wrote me', ${userId})`;
    await store.sql`insert into project_members (project_id, user_id, role) values (${stranger}, ${userId}, 'owner')`;
    // An event that skips versions 2 to 4: the history is broken even though it folds.
    const skipped: Project = { ...gapped, version: 5 };
    await appendByHand(makeEvent('project.updated', skipped, skipped, byHand(userId)));

    const expected = [
      {
        kind: 'field',
        projectId: renamed.id,
        field: 'name',
        expected: 'Home',
        actual: 'Tampered',
      },
      { kind: 'member_missing', projectId: lostMember.id, memberId: bob, role: 'editor' },
      { kind: 'member_unknown', projectId: extraMember.id, memberId: carol, role: 'viewer' },
      {
        kind: 'member_field',
        projectId: reRoled.id,
        memberId: bob,
        field: 'role',
        expected: 'editor',
        actual: 'owner',
      },
      { kind: 'history', projectId: gapped.id, message: 'version 5 follows version 1' },
      { kind: 'field', projectId: gapped.id, field: 'version', expected: 5, actual: 1 },
      { kind: 'missing', projectId: lost.id, version: 1 },
      { kind: 'deleted', projectId: revived.id, version: 2, rowVersion: 1 },
      { kind: 'unknown', projectId: stranger, rowVersion: 1 },
    ].map((d) => expect.objectContaining({ ...d, userId }));

    for (const batchSize of [2, 5000]) {
      const mine = await verify({ userId, batchSize });
      expect(mine.differences).toEqual(expect.arrayContaining(expected));
      expect(mine.differences).toHaveLength(expected.length);
      expect(mine.summary.differences).toEqual({
        field: 2,
        missing: 1,
        deleted: 1,
        unknown: 1,
        history: 1,
        member_missing: 1,
        member_unknown: 1,
        member_field: 1,
      });
      expect(mine.summary.projects).toMatchObject({
        folded: 7,
        live: 6,
        deleted: 1,
        rowsCompared: 5,
        rowsScanned: 7,
        differences: expected.length,
      });
      expect(mine.summary.tasks).toMatchObject({ folded: 0, differences: 0 });

      // The whole store: the same project differences (the tasks' of the test above aside).
      const all = await verify({ batchSize });
      const projectDifferences = all.differences.filter(isProjectDifference);
      expect(projectDifferences).toEqual(expect.arrayContaining(expected));
      expect(projectDifferences).toHaveLength(expected.length);
    }
    // A member's verify covers the projects they created, not those they were added to.
    expect((await verify({ userId: bob })).differences).toEqual([]);
  });
});
