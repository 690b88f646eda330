import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelope, freshTask, makeEvent } from '@taskflow/contracts';
import {
  claimAndMarkPublished,
  connect,
  driverOf,
  unmarkPublished,
  userEvents,
} from '@taskflow/db';
import { appendEvents } from '@taskflow/db/event-append';
import { createTestDatabase, type TestDatabase } from '@taskflow/testkit';

// The relay reads each claimed event as JSON text, assembled in packages/db without parsing the
// stored data: it must be the very envelope that was appended, for every kind of event.
let scratch: TestDatabase;
let database: ReturnType<typeof connect>;
const user = `claim-${Date.now().toString(36)}`;
const at = new Date('2026-11-29T07:30:00.123Z');
const actor = { userId: user, correlationId: randomUUID(), at };
let appended: EventEnvelope[];

beforeAll(async () => {
  scratch = await createTestDatabase();
  database = connect(scratch.url, { max: 2, applicationName: 'claim-test' });
  const task = {
    ...freshTask(
      { id: randomUUID(), user_id: user, title: 'Say "hi" \\ to Zoë 👋\nand\ttab' },
      at.toISOString(),
    ),
    due_date: '2030-01-01T09:00:00.000Z',
  };
  appended = [
    makeEvent('task.created', task, task, actor),
    makeEvent(
      'recurring.spawned',
      { id: randomUUID(), version: 1 },
      {
        series_id: task.id,
        instance_id: randomUUID(),
        occurrence_at: '2030-01-01T09:00:00.000Z',
        next_occurrence: null,
        title: task.title,
        due_date: null,
        project_id: null,
      },
      actor,
    ),
    makeEvent(
      'reminder.triggered',
      { id: randomUUID(), version: 1 },
      {
        reminder_id: randomUUID(),
        task_id: task.id,
        title: task.title,
        remind_at: '2030-01-01T08:45:00.000Z',
        due_date: task.due_date,
        late: true,
        project_id: null,
      },
      actor,
    ),
  ];
  await database.transaction((tx) => appendEvents(tx, appended));
});

/** Gives one event back to the outbox, as the relay does for an entry the broker refused. */
async function unmark(eventId: string) {
  const [row] = await driverOf(database.db)<Array<{ seq: number }>>`
    select seq::float8 as seq from events where event_id = ${eventId}`;
  await database.transaction((tx) => unmarkPublished(tx, [row!.seq]));
}

afterAll(async () => {
  await database.close();
  await scratch.drop();
});

describe('claimAndMarkPublished', () => {
  it('returns each event as the envelope it was appended as, in order, as JSON text', async () => {
    const claimed = await database.transaction((tx) => claimAndMarkPublished(tx, 10));
    expect(claimed.map((event) => JSON.parse(event.envelopeJson))).toEqual(appended);
    for (const event of claimed) {
      expect(EventEnvelope.safeParse(JSON.parse(event.envelopeJson)).success).toBe(true);
    }
    expect(
      claimed.map(({ eventId, eventType, userId, aggregateId, correlationId }) => ({
        eventId,
        eventType,
        userId,
        aggregateId,
        correlationId,
      })),
    ).toEqual(
      appended.map((event) => ({
        eventId: event.event_id,
        eventType: event.event_type,
        userId: user,
        aggregateId: event.aggregate_id,
        correlationId: actor.correlationId,
      })),
    );
    expect(claimed.map((event) => event.seq)).toEqual(
      [...claimed.map((event) => event.seq)].sort((a, b) => a - b),
    );
    // The stored envelopes, read the other way, agree.
    expect(await userEvents(database.db, user)).toEqual(appended);
  });

  it('claims nothing that is marked, and again what was unmarked', async () => {
    expect(await database.transaction((tx) => claimAndMarkPublished(tx, 10))).toEqual([]);
    const [first] = await userEvents(database.db, user);
    await unmark(first!.event_id);
    const again = await database.transaction((tx) => claimAndMarkPublished(tx, 10));
    expect(again.map((event) => event.eventId)).toEqual([first!.event_id]);
  });

  it('leaves a claim to roll back: rows claimed in a transaction that fails stay unpublished', async () => {
    const [first] = await userEvents(database.db, user);
    await unmark(first!.event_id);
    await expect(
      database.transaction(async (tx) => {
        expect(await claimAndMarkPublished(tx, 10)).toHaveLength(1);
        throw new Error('the publish failed');
      }),
    ).rejects.toThrow('the publish failed');
    const retried = await database.transaction((tx) => claimAndMarkPublished(tx, 10));
    expect(retried.map((event) => event.eventId)).toEqual([first!.event_id]);
  });
});

describe('claimAndMarkPublished with several relays', () => {
  it("never lets one relay publish a task's later version while another still holds an earlier one", async () => {
    const task = freshTask({ id: randomUUID(), user_id: user, title: 'Ordered' }, at.toISOString());
    const versions = [1, 2, 3].map((version) =>
      makeEvent(
        version === 1 ? 'task.created' : 'task.updated',
        { ...task, version },
        { ...task, version },
        actor,
      ),
    );
    await database.transaction((tx) => appendEvents(tx, versions));
    const ofTask = (claimed: Array<{ aggregateId: string; eventId: string }>) =>
      claimed.filter((e) => e.aggregateId === task.id).map((e) => e.eventId);

    // Relay A claims version 1 and is still publishing it (its transaction open) when relay B
    // claims: B must get neither version 1 (locked) nor version 2 (it would overtake).
    let release!: () => void;
    const publishing = new Promise<void>((resolve) => (release = resolve));
    let claimedByA: string[] = [];
    const relayA = database
      .transaction(async (tx) => {
        claimedByA = ofTask(await claimAndMarkPublished(tx, 100));
        await publishing;
        throw new Error('the broker refused: roll the claim back');
      })
      .catch(() => {});
    while (claimedByA.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(claimedByA).toEqual([versions[0]!.event_id]);
    expect(ofTask(await database.transaction((tx) => claimAndMarkPublished(tx, 100)))).toEqual([]);

    release();
    await relayA;
    // Back in the outbox, version 1 goes first, then each later version in a round of its own.
    for (const version of versions) {
      const round = ofTask(await database.transaction((tx) => claimAndMarkPublished(tx, 100)));
      expect(round).toEqual([version.event_id]);
    }
  });
});
