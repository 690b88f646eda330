import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTask, makeEvent } from '@taskflow/contracts';
import { connect, insertTasks, type Database } from '@taskflow/db';
import type { OutgoingEvent } from '@taskflow/messaging';
import { createLogger } from '@taskflow/service-kit';
import { createTestDatabase, type TestDatabase } from '@taskflow/testkit';
import { Registry } from 'prom-client';
import { startRelay, type Relay } from '../src/relay.ts';
import { createOutbox, type Outbox } from '../src/unit-of-work.ts';

// The relay against a real Postgres, publishing to a publisher that records what it is handed
// (the broker is not this test's subject). The fallback poll is a minute, so anything that waits
// for it instead of being published on the wake-up shows as a timeout.
let scratch: TestDatabase;
let pool: Database;
let relay: Relay;
let outbox: Outbox;
const published: Array<{ eventId: string }> = [];

beforeAll(async () => {
  scratch = await createTestDatabase();
  pool = connect(scratch.url, { max: 3, applicationName: 'relay-test' });
  relay = startRelay({
    database: pool,
    publisher: {
      async publishBatch(_topic, events: OutgoingEvent[]) {
        for (const event of events) published.push({ eventId: event.eventId });
        return { failedEventIds: [] };
      },
    },
    logger: createLogger('relay-test', 'silent'),
    registry: new Registry(),
    pollIntervalMs: 60_000,
  });
  outbox = createOutbox({ database: pool, relay });
});

afterAll(async () => {
  await relay?.stop();
  await pool?.close();
  await scratch?.drop();
});

async function publishedWithin(eventIds: string[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const seen = new Set(published.map((p) => p.eventId));
    if (eventIds.every((id) => seen.has(id))) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('startRelay', () => {
  it('publishes every event of a commit on its wake-up, several versions of one task included', async () => {
    const userId = `relay-${randomUUID()}`;
    const now = new Date();
    const task = freshTask({ id: randomUUID(), user_id: userId, title: 'Tea' }, now.toISOString());
    const context = { userId, correlationId: 'relay-test', at: now };
    const events = [
      makeEvent('task.created', task, task, context),
      makeEvent('task.updated', { ...task, version: 2 }, { ...task, version: 2 }, context),
      makeEvent('task.completed', { ...task, version: 3 }, { ...task, version: 3 }, context),
    ];
    await outbox.commit(async (tx, emit) => {
      await insertTasks(tx, [task]);
      emit(...events);
    });
    // A claim takes one event per task per round (packages/db's claimAndMarkPublished): the
    // relay must go round again at once, not a poll interval later.
    expect(
      await publishedWithin(
        events.map((e) => e.event_id),
        5_000,
      ),
    ).toBe(true);
    expect(published.map((p) => p.eventId)).toEqual(events.map((e) => e.event_id));
  });
});
