import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createDaprClient, daprPublisher } from '@taskflow/dapr';
import { kafkaMessaging, kafkaSettingsFromEnv } from '@taskflow/kafka';
import {
  defineSubscription,
  type DeliveryLog,
  type EventPublisher,
  type OutgoingEvent,
} from '@taskflow/messaging';
import { createLogger } from '@taskflow/service-kit';
import { renderResources, startDaprd } from '@taskflow/testkit';
import { z } from 'zod';

// `pnpm bench:kafka`: kafkaMessaging against the local broker (scripts/provision/kafka.sh, or
// KAFKA_BOOTSTRAP_SERVERS): publishes EVENTS task events as the outbox relay does (batches of
// 500, the relay's default, one after the other), acks=all on the idempotent producer; then
// one shared consumer, started after, delivers them all from the oldest offset. For
// comparison, the same events published the fleet's way: packages/dapr's publisher through a
// daprd (testkit's) with the Kafka component. Each run in namespaces of its own, deleted after.
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const BATCH = 500;
const USERS = 1_000;
const RUNS = Number(process.env.BENCH_REPEAT ?? 3);
const settings = kafkaSettingsFromEnv({
  ...process.env,
  KAFKA_BOOTSTRAP_SERVERS: process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092',
});

const quiet: DeliveryLog = createLogger('bench-kafka', 'warn');

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

async function publishAll(publisher: EventPublisher, events: OutgoingEvent[]): Promise<number> {
  // The topic exists before the clock starts: its creation is not the publish's cost.
  await publisher.publishBatch('tasks.events', [event(-1)]);
  const started = performance.now();
  for (let i = 0; i < events.length; i += BATCH) {
    const { failedEventIds } = await publisher.publishBatch(
      'tasks.events',
      events.slice(i, i + BATCH),
    );
    if (failedEventIds.length > 0) throw new Error(`${failedEventIds.length} not acknowledged`);
  }
  return events.length / ((performance.now() - started) / 1000);
}

/** Delivers what `namespace` holds to one shared kafkaMessaging consumer; events/s. */
async function deliverAll(namespace: string): Promise<number> {
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
  const started = performance.now();
  await consumer.start();
  await all;
  const perSecond = EVENTS / ((performance.now() - started) / 1000);
  await consumer.stop();
  return perSecond;
}

const deleteNamespace = (namespace: string) =>
  execFileSync('bash', ['scripts/provision/kafka.sh', 'delete-namespace', namespace], {
    stdio: 'ignore',
  });

interface Run {
  publishPerSecond: number;
  deliverPerSecond: number;
  daprPublishPerSecond: number;
}

async function run(dapr: ReturnType<typeof createDaprClient>, daprFirst: boolean): Promise<Run> {
  const namespace = `kbench${randomBytes(4).toString('hex')}`;
  const events = Array.from({ length: EVENTS }, (_, n) => event(n));
  const direct = kafkaMessaging({
    settings,
    appId: 'task-api',
    topicNamespace: namespace,
    log: quiet,
  });
  const viaDapr = daprPublisher(dapr, 'taskflow-pubsub', 'task-api', `${namespace}.dapr`);
  try {
    await direct.start();
    // Alternating which goes first, so that neither always meets a colder process.
    const daprEarly = daprFirst ? await publishAll(viaDapr, events) : 0;
    const publishPerSecond = await publishAll(direct.publisher, events);
    const daprPublishPerSecond = daprFirst ? daprEarly : await publishAll(viaDapr, events);
    const deliverPerSecond = await deliverAll(namespace);
    return { publishPerSecond, deliverPerSecond, daprPublishPerSecond };
  } finally {
    await direct.stop();
    deleteNamespace(namespace);
  }
}

// The fleet's committed Kafka component (dapr/components/pubsub-kafka), on this broker.
const resources = renderResources(
  [join(import.meta.dirname, '../../dapr/components/pubsub-kafka')],
  {
    namespace: '',
    addresses: { kafka: settings.bootstrapServers.join(',') },
  },
);
const daprd = await startDaprd({ appId: 'task-api', resourcesPaths: resources.paths });
const dapr = createDaprClient({ httpPort: daprd.httpPort });
const results = [];
for (let i = 0; i < RUNS; i++) {
  const result = await run(dapr, i % 2 === 1);
  results.push(result);
  console.log(
    `run ${i + 1}: publish ${Math.round(result.publishPerSecond)} events/s, ` +
      `deliver ${Math.round(result.deliverPerSecond)} events/s, ` +
      `publish through daprd ${Math.round(result.daprPublishPerSecond)} events/s`,
  );
}
await daprd.stop();
rmSync(resources.dir, { recursive: true, force: true });
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(
  `median of ${RUNS} runs of ${EVENTS} events (${USERS} users, batches of ${BATCH}, acks=all): ` +
    `publish ${Math.round(median(results.map((r) => r.publishPerSecond)))} events/s, ` +
    `deliver ${Math.round(median(results.map((r) => r.deliverPerSecond)))} events/s, ` +
    `publish through daprd ${Math.round(median(results.map((r) => r.daprPublishPerSecond)))} events/s`,
);
