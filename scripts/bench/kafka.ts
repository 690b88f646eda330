import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { kafkaMessaging, kafkaSettingsFromEnv } from '@taskflow/kafka';
import { defineSubscription, type DeliveryLog, type OutgoingEvent } from '@taskflow/messaging';
import { z } from 'zod';

// `pnpm bench:kafka`: kafkaMessaging against the local broker (scripts/provision/kafka.sh, or
// KAFKA_BOOTSTRAP_SERVERS): publishes EVENTS task events as the outbox relay does (batches of
// 500, the relay's default, one after the other), acks=all on the idempotent producer; then
// one shared consumer, started after, delivers them all from the oldest offset. Each run in a
// namespace of its own, deleted after.
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const BATCH = 500;
const USERS = 1_000;
const RUNS = Number(process.env.BENCH_REPEAT ?? 3);
const settings = kafkaSettingsFromEnv({
  ...process.env,
  KAFKA_BOOTSTRAP_SERVERS: process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092',
});

const quiet: DeliveryLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: (object, message) => console.warn(message, object),
  error: (object, message) => console.error(message, object),
  child: () => quiet,
};

/** A task.created envelope the size of the real one (about 700 bytes). */
function event(n: number): OutgoingEvent {
  const userId = `bench-user-${n % USERS}`;
  const eventId = randomUUID();
  const taskId = randomUUID();
  const now = new Date().toISOString();
  return {
    eventId,
    userId,
    aggregateId: taskId,
    correlationId: randomUUID(),
    envelopeJson: JSON.stringify({
      event_id: eventId,
      event_type: 'task.created',
      version: 1,
      occurred_at: now,
      user_id: userId,
      aggregate_id: taskId,
      aggregate_version: 1,
      data: {
        task: {
          id: taskId,
          user_id: userId,
          title: `benchmark task ${n}`,
          description: 'a description of a typical length for a task someone wrote down',
          completed: false,
          completed_at: null,
          due_date: now,
          recurrence_rule: null,
          is_recurring: false,
          version: 1,
          created_at: now,
          updated_at: now,
        },
      },
    }),
  };
}

async function run(): Promise<{ publishPerSecond: number; deliverPerSecond: number }> {
  const namespace = `kbench${randomBytes(4).toString('hex')}`;
  const events = Array.from({ length: EVENTS }, (_, n) => event(n));
  const publisher = kafkaMessaging({
    settings,
    appId: 'task-api',
    topicNamespace: namespace,
    log: quiet,
  });
  await publisher.start();
  try {
    // The topic exists before the clock starts: its creation is not the publish's cost.
    await publisher.publisher.publishBatch('tasks.events', [event(-1)]);
    const started = performance.now();
    for (let i = 0; i < events.length; i += BATCH) {
      const { failedEventIds } = await publisher.publisher.publishBatch(
        'tasks.events',
        events.slice(i, i + BATCH),
      );
      if (failedEventIds.length > 0) throw new Error(`${failedEventIds.length} not acknowledged`);
    }
    const publishSeconds = (performance.now() - started) / 1000;

    let delivered = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    const consumer = kafkaMessaging({
      settings,
      appId: 'bench-consumer',
      topicNamespace: namespace,
      log: quiet,
    });
    await consumer.serve({} as Parameters<typeof consumer.serve>[0], {
      subscriptions: [
        defineSubscription({
          topic: 'tasks.events',
          audience: 'shared',
          route: '/events',
          schema: z.looseObject({ event_id: z.string() }),
          handler: () => {
            if (++delivered === EVENTS + 1) done();
            return 'SUCCESS';
          },
        }),
      ],
      ticks: [],
    });
    const consumeStarted = performance.now();
    await consumer.start();
    await all;
    const deliverSeconds = (performance.now() - consumeStarted) / 1000;
    await consumer.stop();
    return { publishPerSecond: EVENTS / publishSeconds, deliverPerSecond: EVENTS / deliverSeconds };
  } finally {
    await publisher.stop();
    execFileSync('bash', ['scripts/provision/kafka.sh', 'delete-namespace', namespace], {
      stdio: 'ignore',
    });
  }
}

const results = [];
for (let i = 0; i < RUNS; i++) {
  const result = await run();
  results.push(result);
  console.log(
    `run ${i + 1}: publish ${Math.round(result.publishPerSecond)} events/s, ` +
      `deliver ${Math.round(result.deliverPerSecond)} events/s`,
  );
}
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(
  `median of ${RUNS} runs of ${EVENTS} events (${USERS} users, batches of ${BATCH}, acks=all): ` +
    `publish ${Math.round(median(results.map((r) => r.publishPerSecond)))} events/s, ` +
    `deliver ${Math.round(median(results.map((r) => r.deliverPerSecond)))} events/s`,
);
