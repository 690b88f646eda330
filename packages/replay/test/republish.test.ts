import { beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, type EventEnvelope, type Topic } from '@taskflow/contracts';
import { lastSeq, userEvents, type RepublishFilter } from '@taskflow/db';
import type { EventPublisher } from '@taskflow/outbox';
import { republish, RepublishError } from '../src/republish.ts';
import { testStore } from './store.ts';

const store = await testStore();

/** The relay's publisher interface, in process: records what the broker would have taken. */
function recordingPublisher(
  refuse: (event: EventEnvelope, attempt: number) => boolean = () => false,
) {
  const published: Array<{ topic: Topic; event: EventEnvelope }> = [];
  const attempts = new Map<string, number>();
  const publisher: EventPublisher = {
    async publishBatch(topic, outgoing) {
      const failedEventIds: string[] = [];
      for (const { envelopeJson } of outgoing) {
        const event = JSON.parse(envelopeJson) as EventEnvelope;
        const attempt = (attempts.get(event.event_id) ?? 0) + 1;
        attempts.set(event.event_id, attempt);
        if (refuse(event, attempt)) failedEventIds.push(event.event_id);
        else published.push({ topic, event });
      }
      return { failedEventIds };
    },
  };
  return { publisher, published };
}

const noWait = { now: () => performance.now(), sleep: async () => {} };
const FAST = { attempts: 3, baseMs: 1, capMs: 1 };

let alice: string;
let bob: string;
let middle: EventEnvelope;
let everything: RepublishFilter;

beforeAll(async () => {
  alice = `alice-${Date.now()}`;
  bob = `bob-${Date.now()}`;
  for (let i = 0; i < 12; i++) {
    const user = i % 3 === 0 ? bob : alice;
    const task = await store.write.create(user, { title: `t${i}` });
    await store.write.change(user, task.id, { completed: true });
    if (i % 4 === 0) await store.write.reminderTriggered(task);
  }
  // What the relay has done: all published, but the newest alice event still in the outbox.
  await store.sql`update events set published_at = now()`;
  const aliceEvents = await userEvents(store.database.db, alice);
  await store.sql`update events set published_at = null where event_id = ${aliceEvents.at(-1)!.event_id}`;
  middle = aliceEvents[10]!;
  everything = { fromSeq: 1, toSeq: await lastSeq(store.database.db) };
});

async function stored(where: { user?: string; topic?: string; fromEventId?: string } = {}) {
  const rows = await store.sql<{ event_id: string; topic: string }[]>`
    select event_id, topic from events
    where published_at is not null
      and (${where.user ?? null}::text is null or user_id = ${where.user ?? null})
      and (${where.topic ?? null}::text is null or topic = ${where.topic ?? null})
      and seq >= coalesce((select seq from events where event_id = ${where.fromEventId ?? null}), 0)
    order by seq`;
  return rows.map((row) => ({ topic: row.topic, id: row.event_id }));
}

/**
 * Each topic's events in the order they went out. Like the relay, republish sends a batch per
 * topic, so only the order within a topic (a stream, or a partition per user) is defined.
 */
function perTopic(events: Array<{ topic: string; id: string }>): Record<string, string[]> {
  const topics: Record<string, string[]> = {};
  for (const { topic, id } of events) (topics[topic] ??= []).push(id);
  return topics;
}

const sent = (published: Array<{ topic: Topic; event: EventEnvelope }>) =>
  perTopic(published.map((p) => ({ topic: p.topic, id: p.event.event_id })));

describe('republish', () => {
  it('publishes every published event again, in seq order, with its original id, envelope and topic', async () => {
    const { publisher, published } = recordingPublisher();
    const result = await republish({
      database: store.database,
      publisher,
      filter: everything,
      afterSeq: 0,
      rate: 100_000,
      batchSize: 5,
    });
    const expected = await stored();
    expect(sent(published)).toEqual(perTopic(expected));
    expect(result).toMatchObject({ done: expected.length, total: expected.length, stopped: false });
    const original = (await userEvents(store.database.db, alice))[0]!;
    expect(published.find((p) => p.event.event_id === original.event_id)).toEqual({
      topic: TOPICS.tasks,
      event: original,
    });
    const reminders = published.filter((p) => p.event.event_type === 'reminder.triggered');
    expect(reminders.map((p) => p.topic)).toEqual(Array(3).fill(TOPICS.reminders));
  });

  it('narrows to one user, one topic, and a start event (inclusive)', async () => {
    const run = async (filter: Partial<RepublishFilter>) => {
      const { publisher, published } = recordingPublisher();
      await republish({
        database: store.database,
        publisher,
        filter: { ...everything, ...filter },
        afterSeq: 0,
        rate: 100_000,
        batchSize: 500,
      });
      return sent(published);
    };
    expect(await run({ userId: bob })).toEqual(perTopic(await stored({ user: bob })));
    expect(await run({ topic: TOPICS.reminders })).toEqual(
      perTopic(await stored({ topic: TOPICS.reminders })),
    );
    const [row] = await store.sql<
      { seq: number }[]
    >`select seq::int from events where event_id = ${middle.event_id}`;
    expect(await run({ fromSeq: row!.seq, userId: alice })).toEqual(
      perTopic(await stored({ user: alice, fromEventId: middle.event_id })),
    );
    expect(await run({ occurredFrom: new Date(Date.now() + 60_000) })).toEqual({});
  });

  it('stops after the batch in flight, and a run resumed from its last seq sends the rest', async () => {
    const controller = new AbortController();
    const first = recordingPublisher();
    const progress: number[] = [];
    const stopped = await republish({
      database: store.database,
      publisher: first.publisher,
      filter: everything,
      afterSeq: 0,
      rate: 100_000,
      batchSize: 4,
      signal: controller.signal,
      onBatch(p) {
        progress.push(p.lastSeq);
        if (p.done >= 8) controller.abort();
      },
    });
    expect(stopped).toMatchObject({ stopped: true, done: 8 });
    expect(progress).toHaveLength(2);

    const second = recordingPublisher();
    const rest = await republish({
      database: store.database,
      publisher: second.publisher,
      filter: everything,
      afterSeq: stopped.lastSeq,
      rate: 100_000,
      batchSize: 4,
    });
    const all = [...first.published, ...second.published];
    expect(sent(all)).toEqual(perTopic(await stored()));
    expect(rest.total).toBe(all.length - 8);
  });

  it('holds the rate', async () => {
    const { publisher, published } = recordingPublisher();
    const started = performance.now();
    await republish({
      database: store.database,
      publisher,
      filter: everything,
      afterSeq: 0,
      rate: 10,
      batchSize: 500,
    });
    const seconds = (performance.now() - started) / 1000;
    // Batches of 10 (one second's worth), the first at once: n events take (n - 10) / 10 s.
    expect(published.length).toBeGreaterThan(20);
    expect(seconds).toBeGreaterThanOrEqual((published.length - 10) / 10 - 0.05);
  });

  it('retries only what the broker refused, then gives up saying what is certainly out', async () => {
    const flaky = recordingPublisher((_, attempt) => attempt === 1);
    await republish({
      database: store.database,
      publisher: flaky.publisher,
      filter: everything,
      afterSeq: 0,
      rate: 100_000,
      batchSize: 5,
      retry: FAST,
      clock: noWait,
    });
    expect(sent(flaky.published)).toEqual(perTopic(await stored()));

    const ids = (await stored()).map((event) => event.id);
    const broken = recordingPublisher((event) => event.event_id === ids[7]);
    const failure = await republish({
      database: store.database,
      publisher: broken.publisher,
      filter: everything,
      afterSeq: 0,
      rate: 100_000,
      batchSize: 5,
      retry: FAST,
      clock: noWait,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RepublishError);
    const [fifth] = await store.sql<
      { seq: number }[]
    >`select seq::int from events where event_id = ${ids[4]!}`;
    expect((failure as RepublishError).lastSeq).toBe(fifth!.seq);
    expect((failure as RepublishError).message).toContain('failed 3 times');
  });
});
