import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { DEAD_LETTER_TOPIC, TOPICS, topicName } from '@taskflow/contracts';
import {
  createTestDatabase,
  findDaprd,
  freePort,
  renderResources,
  type ResourceChanges,
  startDaprd,
  startProcess,
  type Daprd,
} from '@taskflow/testkit';
import { createDaprClient, EtagMismatchError, type DaprClient } from '../src/index.ts';
import { defineSubscription } from '@taskflow/messaging';
import {
  canConnect,
  eventually,
  runId,
  startRedis,
  startTestApp,
  type PrivateRedis,
  type TestApp,
} from './harness.ts';

// The project's own dapr/ resources, loaded by real daprd sidecars. Copies are used with only
// addresses and names changed (testkit's renderResources): the broker address (a private Redis),
// and the run's topic namespace on the topics (so nobody else's consumers see test events) and
// consumer groups (so no other run's group is joined on the shared Kafka). Everything else is
// the file as committed.
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DAPR_DIR = join(REPO, 'dapr');
const COMPONENTS = join(DAPR_DIR, 'components');
const CONFIG = join(DAPR_DIR, 'config.yaml');
const APP_IDS = ['task-api', 'scheduler', 'reminder-worker', 'ws-notifier'];

interface Resource {
  file: string;
  kind: string;
  name: string;
  spec: Record<string, unknown>;
  scopes?: string[];
}

function readResources(folder: string): Resource[] {
  const dir = join(COMPONENTS, folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
        const value = doc.toJS() as {
          kind: string;
          metadata: { name: string };
          spec: Record<string, unknown>;
          scopes?: string[];
        };
        return {
          file: `${folder}/${file}`,
          kind: value.kind,
          name: value.metadata.name,
          spec: value.spec,
          scopes: value.scopes,
        };
      }),
    );
}

const metadataOf = (resource: Resource) =>
  Object.fromEntries(
    ((resource.spec.metadata ?? []) as Array<{ name: string; value?: unknown }>).map((m) => [
      m.name,
      m.value,
    ]),
  );

describe('dapr/ resources as files', () => {
  const folders = readdirSync(COMPONENTS);
  const all = folders.flatMap(readResources);

  it('has the folders the README names', () => {
    expect(folders.sort()).toEqual([
      'common',
      'pubsub-jetstream',
      'pubsub-kafka',
      'pubsub-rabbitmq',
      'pubsub-redis',
      'pubsub-redpanda-cloud',
      'state-postgres',
      'state-redis',
    ]);
  });

  it('scopes every resource to taskflow app ids', () => {
    for (const resource of all) {
      expect(resource.scopes, `${resource.file} ${resource.name}`).toBeDefined();
      expect(resource.scopes!.length, `${resource.file} ${resource.name}`).toBeGreaterThan(0);
      for (const scope of resource.scopes!) expect(APP_IDS, `${resource.file}`).toContain(scope);
    }
  });

  it('gives no two resources one name in any combination of folders', () => {
    for (const state of ['state-redis', 'state-postgres']) {
      for (const pubsub of [
        'pubsub-redis',
        'pubsub-kafka',
        'pubsub-rabbitmq',
        'pubsub-jetstream',
        'pubsub-redpanda-cloud',
      ]) {
        const names = ['common', state, pubsub]
          .flatMap(readResources)
          .map((r) => `${r.kind}/${r.name}`);
        expect(new Set(names).size, `common + ${state} + ${pubsub}: ${names.join(', ')}`).toBe(
          names.length,
        );
      }
    }
  });

  it('declares subscriptions the way packages/dapr dead-letters and fans out', () => {
    const subscriptions = readResources('common').filter((r) => r.kind === 'Subscription');
    expect(
      subscriptions.map((s) => `${s.scopes!.join()}:${s.spec.topic as string}`).sort(),
    ).toEqual([
      'reminder-worker:reminders.events',
      'reminder-worker:tasks.events',
      'scheduler:tasks.events',
      'ws-notifier:reminders.events',
      'ws-notifier:tasks.events',
    ]);
    for (const subscription of subscriptions) {
      const spec = subscription.spec as {
        topic: string;
        deadLetterTopic: string;
        pubsubname: string;
        bulkSubscribe?: { enabled: boolean };
      };
      expect(spec.deadLetterTopic).toBe(DEAD_LETTER_TOPIC);
      expect(spec.pubsubname).toBe(
        subscription.scopes!.includes('ws-notifier') ? 'taskflow-fanout' : 'taskflow-pubsub',
      );
      expect(spec.bulkSubscribe?.enabled).toBe(true);
    }
    // Resiliency is read only as the first document of its file.
    expect(
      readResources('common')
        .filter((r) => r.kind === 'Resiliency')
        .map((r) => r.file),
    ).toEqual(['common/resiliency.yaml']);
  });

  it('gives ws-notifier a group per replica, and the others one per app', () => {
    for (const broker of [
      'pubsub-redis',
      'pubsub-kafka',
      'pubsub-rabbitmq',
      'pubsub-jetstream',
      'pubsub-redpanda-cloud',
    ]) {
      const [shared, fanout] = ['taskflow-pubsub', 'taskflow-fanout'].map((name) => {
        const found = readResources(broker).find((r) => r.name === name);
        expect(found, `${broker}/${name}`).toBeDefined();
        return metadataOf(found!);
      });
      if (broker === 'pubsub-redis') {
        expect(shared!.consumerID).toBe('{appID}');
        expect(fanout!.consumerID).toBe('{podName}');
        expect(Number(shared!.maxLenApprox)).toBeGreaterThan(0);
      } else if (broker === 'pubsub-rabbitmq') {
        // The queue is named after consumerID; both keep it, and what it holds, when unused.
        expect(shared!.consumerID).toBe('{appID}');
        expect(fanout!.consumerID).toBe('{podName}');
        for (const component of [shared!, fanout!]) {
          expect([
            component.durable,
            component.deletedWhenUnused,
            component.deliveryMode,
            component.publisherConfirm,
          ]).toEqual(['true', 'false', '2', 'true']);
        }
      } else if (broker === 'pubsub-jetstream') {
        // A durable consumer per app shared through a queue group; one per pod, alone.
        expect([shared!.durableName, shared!.queueGroupName]).toEqual(['{appID}', '{appID}']);
        expect([fanout!.durableName, fanout!.queueGroupName]).toEqual(['{podName}', undefined]);
        expect([shared!.deliverPolicy, fanout!.deliverPolicy]).toEqual(['all', 'new']);
        for (const component of [shared!, fanout!]) expect(component.ackPolicy).toBe('explicit');
      } else {
        expect([shared!.consumerGroup, shared!.initialOffset]).toEqual(['{appID}', 'oldest']);
        expect([fanout!.consumerGroup, fanout!.initialOffset]).toEqual(['{podName}', 'newest']);
        expect(shared!.version).toBe('3.9.0');
      }
    }
    const redpanda = metadataOf(
      readResources('pubsub-redpanda-cloud').find((r) => r.name === 'taskflow-pubsub')!,
    );
    expect([redpanda.authType, redpanda.saslMechanism, redpanda.disableTls]).toEqual([
      'password',
      'SHA-256',
      'false',
    ]);
  });

  it('has a multi-app run file with the agreed ports', () => {
    const run = parseAllDocuments(readFileSync(join(DAPR_DIR, 'dapr.yaml'), 'utf8'))[0]!.toJS() as {
      version: number;
      common: { resourcesPaths: string[]; configFilePath: string; env: Record<string, string> };
      apps: Array<{
        appID: string;
        appDirPath: string;
        appPort: number;
        daprHTTPPort: number;
        daprGRPCPort: number;
        command: string[];
        env?: Record<string, string>;
      }>;
    };
    expect(run.version).toBe(1);
    for (const path of run.common.resourcesPaths)
      expect(readdirSync(join(DAPR_DIR, path))).not.toHaveLength(0);
    expect(readFileSync(join(DAPR_DIR, run.common.configFilePath), 'utf8')).toMatch(
      /kind: Configuration/,
    );
    expect(run.apps.map((a) => [a.appID, a.appPort, a.daprHTTPPort, a.daprGRPCPort])).toEqual([
      ['task-api', 8000, 3500, 50001],
      ['scheduler', 8010, 3510, 50011],
      ['reminder-worker', 8020, 3520, 50021],
      ['ws-notifier', 8030, 3530, 50031],
    ]);
    for (const app of run.apps) {
      expect(app.appDirPath).toBe(`../services/${app.appID}/`);
      expect(app.command).toEqual(['node', 'dist/main.js']);
      // The CLI merges common.env into each app's env map, and panics on an app without one.
      expect(app.env).toBeDefined();
    }
  });
});

/** A copy of some dapr/components folders, changed by testkit's renderResources. */
function copyOf(folders: string[], changes: ResourceChanges) {
  const { dir, paths } = renderResources(
    folders.map((folder) => join(COMPONENTS, folder)),
    changes,
  );
  return { paths, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const EventData = z.object({ id: z.string(), kind: z.string() });
type EventData = z.infer<typeof EventData>;

interface Service {
  appId: string;
  app: TestApp;
  daprd: Daprd;
  dapr: DaprClient;
  got: { tasks: EventData[]; reminders: EventData[] };
  ticks: number;
  stop(): Promise<void>;
}

async function startService(
  appId: string,
  paths: string[],
  options: { podName?: string; skipBefore?: Date } = {},
): Promise<Service> {
  const got = { tasks: [] as EventData[], reminders: [] as EventData[] };
  const service = { appId, got, ticks: 0 } as Service;
  const handler = (list: EventData[]) => (data: EventData) => (list.push(data), 'SUCCESS' as const);
  const skip = options.skipBefore ? { skipPublishedBefore: options.skipBefore } : {};
  service.app = await startTestApp({
    dapr: { publish: (...args) => service.dapr.publish(...args) },
    subscriptions: [
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/events/tasks',
        schema: EventData,
        handler: handler(got.tasks),
        ...skip,
      }),
      defineSubscription({
        topic: 'tasks.events',
        audience: 'shared',
        route: '/events/reminders',
        schema: EventData,
        handler: handler(got.reminders),
        ...skip,
      }),
    ],
    bindings: [
      { route: '/scheduler-tick', everyMs: 1000, handler: () => void service.ticks++ },
      { route: '/reminder-tick', everyMs: 1000, handler: () => void service.ticks++ },
      { route: '/delivery-tick', everyMs: 1000, handler: () => void service.ticks++ },
    ],
  });
  service.daprd = await startDaprd({
    appId,
    appPort: service.app.port,
    resourcesPaths: paths,
    configPath: CONFIG,
    ...(options.podName ? { podName: options.podName } : {}),
  });
  service.dapr = createDaprClient({ httpPort: service.daprd.httpPort });
  service.stop = async () => {
    await service.daprd.stop();
    await service.app.close();
  };
  return service;
}

async function componentsOf(service: Service): Promise<string[]> {
  const metadata = (await (await fetch(`${service.daprd.url}/v1.0/metadata`)).json()) as {
    components: Array<{ name: string; type: string }>;
  };
  return metadata.components.map((c) => `${c.name}=${c.type}`).sort();
}

const ids = (list: EventData[]) => list.map((e) => e.id);

for (const broker of ['redis', 'kafka'] as const) {
  describe(`dapr/components: common + state-redis + pubsub-${broker}, live`, () => {
    const run = runId();
    const tasks = topicName(TOPICS.tasks, run);
    const reminders = topicName(TOPICS.reminders, run);
    let redis: PrivateRedis;
    let copy: { paths: string[]; remove(): void };
    const services: Record<string, Service> = {};
    const extra: Service[] = [];
    let publisher: Service;
    const dump = () =>
      Object.values(services)
        .concat(extra)
        .map(
          (s) =>
            `--- ${s.appId} (${s.daprd.podName})\n${s.daprd.logs().split('\n').slice(-15).join('\n')}`,
        )
        .join('\n');

    /** Publishes a probe until every given ws-notifier handles one (Kafka fan-out starts at "newest"). */
    async function probeUntilReceived(targets: Service[]) {
      await eventually(
        `a probe at ${targets.map((t) => t.daprd.podName).join(', ')}`,
        async () => {
          await publisher.dapr.publish('taskflow-pubsub', tasks, {
            id: `probe-${Date.now()}`,
            kind: 'probe',
          });
          return targets.every((t) => t.got.tasks.some((e) => e.kind === 'probe')) || undefined;
        },
        { timeoutMs: 30_000, intervalMs: 300, context: dump },
      );
    }

    beforeAll(async () => {
      if (broker === 'kafka' && !(await canConnect(9092))) {
        throw new Error(
          'no Kafka broker on 127.0.0.1:9092. Start it with `bash scripts/provision/kafka.sh start`.',
        );
      }
      redis = await startRedis();
      copy = copyOf(['common', 'state-redis', `pubsub-${broker}`], {
        namespace: run,
        addresses: { redis: redis.host },
      });
      const started = await Promise.all([
        startService('task-api', copy.paths),
        startService('scheduler', copy.paths),
        startService('reminder-worker', copy.paths),
        startService('ws-notifier', copy.paths, { podName: `ws-notifier-a-${run}` }),
        startService('ws-notifier', copy.paths, { podName: `ws-notifier-b-${run}` }),
      ]);
      for (const service of started)
        services[
          service.daprd.podName.startsWith('ws-notifier')
            ? service.daprd.podName.slice(0, 13)
            : service.appId
        ] = service;
      publisher = services['task-api']!;
    }, 60_000);

    afterAll(async () => {
      await Promise.all([...Object.values(services), ...extra].map((s) => s.stop()));
      await redis?.stop();
      copy?.remove();
    });

    it('loads what each app id is scoped to', async () => {
      const pubsub = `pubsub.${broker}`;
      expect(await componentsOf(services['task-api']!)).toEqual([
        `taskflow-pubsub=${pubsub}`,
        'taskflow-state=state.redis',
      ]);
      expect(await componentsOf(services.scheduler!)).toEqual([
        'scheduler-tick=bindings.cron',
        `taskflow-pubsub=${pubsub}`,
        'taskflow-state=state.redis',
      ]);
      // taskflow-email (bindings.smtp) ignores its errors: with no mail server in daprd's
      // environment it is not loaded, and the sidecar starts all the same.
      expect(await componentsOf(services['reminder-worker']!)).toEqual([
        'delivery-tick=bindings.cron',
        'email-secrets=secretstores.local.env',
        'reminder-tick=bindings.cron',
        `taskflow-pubsub=${pubsub}`,
        'taskflow-state=state.redis',
      ]);
      expect(await componentsOf(services['ws-notifier-a']!)).toEqual([
        `taskflow-fanout=${pubsub}`,
        'taskflow-state=state.redis',
      ]);
    });

    it('fires the cron bindings of scheduler and reminder-worker', async () => {
      await eventually(
        'ticks',
        () => services.scheduler!.ticks > 0 && services['reminder-worker']!.ticks > 0,
        { context: dump, timeoutMs: 5_000 },
      );
      expect(services['task-api']!.ticks + services['ws-notifier-a']!.ticks).toBe(0);
    });

    it('delivers a task event to each shared consumer and to EVERY ws-notifier replica', async () => {
      const wsReplicas = [services['ws-notifier-a']!, services['ws-notifier-b']!];
      if (broker === 'kafka') await probeUntilReceived(wsReplicas);
      await publisher.dapr.publish(
        'taskflow-pubsub',
        tasks,
        { id: 't1', kind: 'task' },
        { metadata: { partitionKey: 'user-1' } },
      );
      await publisher.dapr.publish(
        'taskflow-pubsub',
        reminders,
        { id: 'r1', kind: 'reminder' },
        { metadata: { partitionKey: 'user-1' } },
      );
      for (const service of [services.scheduler!, services['reminder-worker']!, ...wsReplicas]) {
        await eventually(
          `t1 at ${service.daprd.podName}`,
          () => ids(service.got.tasks).includes('t1'),
          { context: dump, timeoutMs: 20_000 },
        );
      }
      for (const service of wsReplicas) {
        await eventually(
          `r1 at ${service.daprd.podName}`,
          () => ids(service.got.reminders).includes('r1'),
          { context: dump, timeoutMs: 20_000 },
        );
      }
      // Bulk deliveries (bulkSubscribe in subscriptions.yaml), traced (config.yaml).
      const delivery = services.scheduler!.app.requests.find((r) => r.url === '/events/tasks')!;
      expect(delivery.contentType).toBe('application/json');
      const entry = (delivery.body as { entries: Array<{ event: { traceparent: string } }> })
        .entries[0]!;
      expect(entry.event.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(services['task-api']!.got.tasks).toEqual([]); // task-api subscribes to nothing
    });

    it('keeps taskflow-state with etags', async () => {
      const dapr = services['task-api']!.dapr;
      await dapr.saveState('taskflow-state', [
        { key: `${run}-idem`, value: { ok: true }, concurrency: 'first-write', ttlSeconds: 60 },
      ]);
      const entry = await dapr.getState('taskflow-state', `${run}-idem`);
      expect(entry?.value).toEqual({ ok: true });
      await expect(
        dapr.saveState('taskflow-state', [
          { key: `${run}-idem`, value: 2, concurrency: 'first-write' },
        ]),
      ).rejects.toBeInstanceOf(EtagMismatchError);
    });

    it('resumes a restarted ws-notifier replica where it stopped; a new one starts fresh', async () => {
      const b = services['ws-notifier-b']!;
      await b.stop();
      // Kafka resumes from committed offsets, which exist only for partitions the replica has
      // consumed from: same key as t1, which every replica has had.
      await publisher.dapr.publish(
        'taskflow-pubsub',
        tasks,
        { id: 'while-b-was-down', kind: 'task' },
        { metadata: { partitionKey: 'user-1' } },
      );
      await sleep(1_100); // so that a replica started from here on is strictly after it (CloudEvent time has seconds)
      // Same pod name: same consumer group, so it gets what it missed.
      const again = await startService('ws-notifier', copy.paths, { podName: b.daprd.podName });
      extra.push(again);
      await eventually(
        'the missed event at the restarted replica',
        () => ids(again.got.tasks).includes('while-b-was-down'),
        { context: dump, timeoutMs: 30_000 },
      );
      // A new pod name: a new consumer group.
      const startedAt = new Date();
      const fresh = await startService('ws-notifier', copy.paths, {
        podName: `ws-notifier-c-${run}`,
        skipBefore: startedAt,
      });
      extra.push(fresh);
      if (broker === 'kafka') {
        await probeUntilReceived([fresh]);
        await sleep(1_000);
        // initialOffset newest: nothing from before it joined reaches it at all.
        const seen = fresh.app.requests
          .flatMap(
            (r) =>
              (r.body as { entries?: Array<{ event: { data: EventData } }> } | undefined)
                ?.entries ?? [],
          )
          .map((e) => e.event.data.id);
        expect(seen).not.toContain('while-b-was-down');
        expect(seen).not.toContain('t1');
      } else {
        await publisher.dapr.publish('taskflow-pubsub', tasks, {
          id: 'after-c-started',
          kind: 'task',
        });
        await eventually(
          'the new event at the new replica',
          () => ids(fresh.got.tasks).includes('after-c-started'),
          { context: dump, timeoutMs: 20_000 },
        );
        // Redis creates a new group at the stream's start (XGROUP CREATE ... 0): the old events
        // ARE delivered again (bounded by maxLenApprox), and skipPublishedBefore acknowledges
        // them without handling.
        const delivered = fresh.app.requests
          .flatMap(
            (r) =>
              (r.body as { entries?: Array<{ event: { data: EventData } }> } | undefined)
                ?.entries ?? [],
          )
          .map((e) => e.event.data.id);
        expect(delivered).toContain('t1');
        expect(delivered).toContain('while-b-was-down');
        expect(ids(fresh.got.tasks)).toEqual(['after-c-started']);
      }
    }, 60_000);

    // Only on the private Redis: the shared Kafka is not this test's to kill.
    if (broker === 'redis') {
      it('retries a publish to a dead broker with backoff, then fails (resiliency.yaml)', async () => {
        redis.process.kill('SIGKILL');
        await redis.process.exited;
        const started = Date.now();
        const error = await publisher.dapr
          .publish('taskflow-pubsub', tasks, { id: 'no-broker', kind: 'task' })
          .catch((e: unknown) => e);
        const took = Date.now() - started;
        expect(error).toMatchObject({
          name: 'DaprError',
          status: 500,
          errorCode: 'ERR_PUBSUB_PUBLISH_MESSAGE',
        });
        // daprd logs only the first retry.
        expect(publisher.daprd.logs()).toMatch(
          /Error processing operation component\[taskflow-pubsub\] output\. Retrying in/,
        );
        expect(took).toBeGreaterThan(700); // three backoffs from 500 ms, randomised by half
        // Each of the four attempts first retries inside the Redis client (pubsub.yaml: about
        // 1.2 s a command on daprd 1.18): the publish fails inside the services' 10 s client
        // timeout, so they see the broker's error and not a silent sidecar.
        expect(took).toBeLessThan(10_000);
      }, 30_000);
    }
  });
}

describe('dapr/components/state-postgres, live', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let daprd: Daprd;
  let dapr: DaprClient;
  let copy: { paths: string[]; remove(): void };
  const run = runId();

  beforeAll(async () => {
    database = await createTestDatabase();
    copy = copyOf(['state-postgres'], { namespace: '' });
    daprd = await startDaprd({
      appId: 'task-api',
      resourcesPaths: copy.paths,
      configPath: CONFIG,
      env: { TASKFLOW_STATE_CONNECTION_STRING: database.url },
    });
    dapr = createDaprClient({ httpPort: daprd.httpPort });
  }, 30_000);

  afterAll(async () => {
    await daprd?.stop();
    await database?.drop();
    copy?.remove();
  });

  it('loads state.postgresql v2 with its connection string from the secret store', async () => {
    const metadata = (await (await fetch(`${daprd.url}/v1.0/metadata`)).json()) as {
      components: Array<{ name: string; type: string; version: string }>;
    };
    expect(metadata.components.map((c) => `${c.name}=${c.type}/${c.version}`).sort()).toEqual([
      'state-secrets=secretstores.local.env/v1',
      'taskflow-state=state.postgresql/v2',
    ]);
    // config.yaml denies apps the secret API on this store.
    const secret = await fetch(`${daprd.url}/v1.0/secrets/state-secrets/CONNECTION_STRING`);
    expect(secret.status).toBe(403);
  });

  it('saves with etags, refuses stale ones, first-writes once', async () => {
    await dapr.saveState('taskflow-state', [{ key: `${run}-a`, value: { v: 1 } }]);
    const first = (await dapr.getState('taskflow-state', `${run}-a`))!;
    expect(first.value).toEqual({ v: 1 });
    await dapr.saveState('taskflow-state', [
      { key: `${run}-a`, value: { v: 2 }, etag: first.etag },
    ]);
    await expect(
      dapr.saveState('taskflow-state', [{ key: `${run}-a`, value: { v: 3 }, etag: first.etag }]),
    ).rejects.toBeInstanceOf(EtagMismatchError);
    await expect(
      dapr.deleteState('taskflow-state', `${run}-a`, { etag: first.etag }),
    ).rejects.toBeInstanceOf(EtagMismatchError);
    await dapr.saveState('taskflow-state', [
      { key: `${run}-idem`, value: 1, concurrency: 'first-write' },
    ]);
    await expect(
      dapr.saveState('taskflow-state', [
        { key: `${run}-idem`, value: 2, concurrency: 'first-write' },
      ]),
    ).rejects.toBeInstanceOf(EtagMismatchError);
  });

  it('rolls a transaction back when one etag is stale', async () => {
    await dapr.saveState('taskflow-state', [{ key: `${run}-t1`, value: 1 }]);
    const stale = (await dapr.getState('taskflow-state', `${run}-t1`))!.etag;
    await dapr.saveState('taskflow-state', [{ key: `${run}-t1`, value: 2 }]);
    const failed = await dapr
      .stateTransaction('taskflow-state', [
        { operation: 'upsert', key: `${run}-t2`, value: 'must not stay' },
        { operation: 'upsert', key: `${run}-t1`, value: 3, etag: stale },
      ])
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(EtagMismatchError);
    expect(await dapr.getState('taskflow-state', `${run}-t2`)).toBeUndefined();
    expect((await dapr.getState('taskflow-state', `${run}-t1`))!.value).toBe(2);
  });

  it('expires keys after their TTL', async () => {
    await dapr.saveState('taskflow-state', [{ key: `${run}-ttl`, value: 'x', ttlSeconds: 1 }]);
    expect((await dapr.getState('taskflow-state', `${run}-ttl`))?.value).toBe('x');
    await eventually(
      'expiry',
      async () => (await dapr.getState('taskflow-state', `${run}-ttl`)) === undefined,
      { timeoutMs: 3_000 },
    );
  });
});

describe('dapr/components/pubsub-redpanda-cloud, as far as it goes without Redpanda Cloud', () => {
  it('resolves the SASL credentials from the secret store and dials with TLS', async () => {
    // The local Kafka speaks plaintext, so a TLS client must fail the handshake: the component
    // got as far as connecting, with its metadata (authType, SHA-256, secrets) accepted.
    const copy = copyOf(['common', 'state-redis', 'pubsub-redpanda-cloud'], { namespace: '' });
    const port = await freePort();
    const child = startProcess({
      name: 'daprd redpanda-cloud',
      command: findDaprd(),
      args: [
        '--app-id',
        'task-api',
        '--dapr-http-port',
        String(port),
        '--dapr-grpc-port',
        String(await freePort()),
        '--metrics-port',
        String(await freePort()),
        '--placement-host-address',
        '',
        '--scheduler-host-address',
        '',
        '--config',
        CONFIG,
        ...copy.paths.flatMap((p) => ['--resources-path', p]),
      ],
      env: {
        ...process.env,
        KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9092',
        KAFKA_SASL_USERNAME: 'taskflow',
        KAFKA_SASL_PASSWORD: 'not-a-real-password',
      },
    });
    try {
      const exit = await Promise.race([child.exited, sleep(30_000).then(() => undefined)]);
      const logs = child.logs();
      expect(
        exit,
        `daprd should give up on a broker that does not speak TLS:\n${logs}`,
      ).toBeDefined();
      expect(logs).toMatch(/Component loaded: kafka-secrets \(secretstores\.local\.env\/v1\)/);
      expect(logs).toMatch(/taskflow-pubsub \(pubsub\.kafka\/v1\)/);
      expect(logs).not.toMatch(/missing SASL|authType' attribute|invalid kafka version/);
      expect(logs).toMatch(/tls|handshake|out of available brokers|EOF/i);
    } finally {
      await child.stop();
      copy.remove();
    }
  });
});
