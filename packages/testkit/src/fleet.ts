import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDaprd, type Daprd } from './daprd.ts';
import { cleanupStack } from './cleanups.ts';
import { freePort } from './ports.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';
import { startProcess, type RunningProcess } from './processes.ts';
import { renderResources } from './resources.ts';
import { startStandaloneFleet } from './standalone-fleet.ts';
import { declareDeadLetterQueue, deleteRabbitmqNamespace, rabbitmqUrl } from './rabbitmq.ts';
import { createJetstreamNamespace, deleteJetstreamNamespace, jetstreamUrl } from './jetstream.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

export type Broker = 'redis' | 'kafka' | 'rabbitmq' | 'jetstream' | 'in-process';
/** How the fleet runs: each service with its sidecar, or all in one process without Dapr. */
export type FleetMode = 'dapr' | 'standalone';
export type ServiceName = 'task-api' | 'ws-notifier' | 'scheduler' | 'reminder-worker';

/**
 * The broker of a test run: TASKFLOW_BROKER, set per vitest project (redis, kafka or rabbitmq
 * with Dapr; in-process or kafka standalone).
 */
export function brokerOfRun(): Broker {
  const broker = process.env.TASKFLOW_BROKER ?? 'redis';
  if (!BROKERS.includes(broker as Broker)) {
    throw new Error(`TASKFLOW_BROKER must be one of ${BROKERS.join(', ')}, not ${broker}`);
  }
  return broker as Broker;
}

const BROKERS: readonly Broker[] = ['redis', 'kafka', 'rabbitmq', 'jetstream', 'in-process'];

/** Where the sidecars keep Dapr state (`taskflow-state`: the rate limits' shared counts). */
export type StateStore = 'redis' | 'postgres';

/**
 * The state store of a test run: TASKFLOW_STATE_STORE (redis, the default, or postgres: the
 * fleet's own database, as values-prod.yaml runs it), per vitest project.
 */
export function stateStoreOfRun(): StateStore {
  const store = process.env.TASKFLOW_STATE_STORE ?? 'redis';
  if (store !== 'redis' && store !== 'postgres') {
    throw new Error(`TASKFLOW_STATE_STORE must be redis or postgres, not ${store}`);
  }
  return store;
}

/** The mode of a test run: TASKFLOW_MODE (dapr, the default, or standalone), per vitest project. */
export function modeOfRun(): FleetMode {
  const mode = process.env.TASKFLOW_MODE ?? 'dapr';
  if (mode !== 'dapr' && mode !== 'standalone') {
    throw new Error(`TASKFLOW_MODE must be dapr or standalone, not ${mode}`);
  }
  return mode;
}

/**
 * A name unique to this run: its start in milliseconds, base 36 (8 characters until 2059), and 4
 * random ones. Topics that begin with one are a test run's: scripts/provision/kafka.sh prunes
 * those over 3 hours old.
 */
export const runId = () =>
  `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6).padEnd(4, '0')}`;

export const FLEET_JWT_SECRET = 'fleet-test-secret-of-at-least-32-chars!';
/** The local Kafka's plaintext listener (scripts/provision/all.sh exports KAFKA_BROKERS). */
export const kafkaBrokers = (): string => process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

export interface FleetOptions {
  broker: Broker;
  /** Default: the run's (TASKFLOW_MODE). */
  mode?: FleetMode;
  /** Default: the run's (TASKFLOW_STATE_STORE). Without Dapr there is none. */
  stateStore?: StateStore;
  /** How many replicas of each service to start, each with its own sidecar. */
  replicas: Partial<Record<ServiceName, number>>;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** The Postgres server to make the fleet's database on (default: TEST_DATABASE_URL's). */
  databaseServer?: string;
}

/** One replica: the service process (built output) and its daprd. */
export interface Replica {
  name: ServiceName;
  index: number;
  url: string;
  port: number;
  process: RunningProcess;
  daprd: Daprd;
  /** Starts the service process again on the same port, with the same sidecar. */
  restart(): Promise<void>;
  /** Stops the service process, then its sidecar. */
  stop(): Promise<void>;
}

export interface BrokerControl {
  /** SIGKILL: the broker dies without a goodbye. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

export interface Fleet {
  broker: Broker;
  mode: FleetMode;
  /** The sidecars' state store; `none` without Dapr (each process counts its own rate limits). */
  stateStore: StateStore | 'none';
  /**
   * The fleet's TOPIC_NAMESPACE, a runId: its topics are `<namespace>.tasks.events`, ...
   * (`topicName` of @taskflow/contracts), its consumer groups `<namespace>-{appID}`, so no
   * other fleet on the same broker sees its events. On Kafka its topics are deleted at stop.
   */
  topicNamespace: string;
  database: TestDatabase;
  replicas: Record<ServiceName, Replica[]>;
  /** task-api's base URL (first replica). */
  api: string;
  /** The fleet's own Redis (the broker when broker is redis, the state store when that is). */
  redisPort: number;
  brokerControl: BrokerControl;
  /**
   * One more replica of a service, as a new pod would join: the next index, its own daprd with
   * a pod name of its own (so a consumer group of its own on `taskflow-fanout`). Stopped with
   * the fleet, or earlier with its own `stop()`.
   */
  addReplica(name: ServiceName): Promise<Replica>;
  /** The last lines of every process, for a failing test's message. */
  logs(): string;
  /**
   * Every service and sidecar as it runs now (a restarted one: its new life), named as in
   * `logs()`: `task-api#0`, `daprd task-api#0`. The broker is not among them.
   */
  members(): FleetMember[];
  stop(): Promise<void>;
}

export interface FleetMember {
  name: string;
  kind: 'service' | 'sidecar';
  process: RunningProcess;
}

/** What every fleet sidecar sends its app (APP_API_TOKEN), for a test posing as daprd. */
export const FLEET_APP_API_TOKEN = 'fleet-app-token';
/** What every fleet sidecar requires of its callers (DAPR_API_TOKEN), for a test calling one. */
export const FLEET_DAPR_API_TOKEN = 'fleet-dapr-token';

/**
 * Starts, for one test file: a fresh database, a broker (a Redis of its own, or the shared local
 * Kafka, on topics of the fleet's own namespace), and each service from its built `dist/` with
 * its own daprd, all loading the project's real dapr/ resources. Nothing is mocked.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  if ((options.mode ?? modeOfRun()) === 'standalone') return startStandaloneFleet(options);
  if (options.broker === 'in-process') throw new Error('the in-process bus runs standalone only');
  const cleanups = cleanupStack();
  const processes: Array<{ logs(): string; name: string }> = [];
  const members: Array<() => FleetMember> = [];
  try {
    const database = await createTestDatabase(options.databaseServer);
    cleanups.push(() => database.drop());

    const redis = await startRedis();
    cleanups.push(async () => rmSync(redis.dir, { recursive: true, force: true }));
    cleanups.push(() => redis.process.stop({ timeoutMs: 2000 }));
    processes.push({ name: redis.process.name, logs: () => redis.process.logs() });
    const kafka = kafkaBrokers();
    const topicNamespace = runId();
    // Pushed before any sidecar starts, so it runs after they all stopped. A failed delete is
    // left to kafka.sh's prune of old run ids.
    if (options.broker === 'kafka') cleanups.push(() => deleteKafkaNamespace(topicNamespace));
    if (options.broker === 'rabbitmq') {
      cleanups.push(() => deleteRabbitmqNamespace(topicNamespace));
      await declareDeadLetterQueue(topicNamespace);
    }
    if (options.broker === 'jetstream') {
      cleanups.push(() => deleteJetstreamNamespace(topicNamespace));
      await createJetstreamNamespace(topicNamespace);
    }
    const stateStore = options.stateStore ?? stateStoreOfRun();
    const rendered = renderResources(
      ['common', `state-${stateStore}`, `pubsub-${options.broker}`].map((folder) =>
        join(repo, 'dapr', 'components', folder),
      ),
      {
        namespace: topicNamespace,
        addresses: {
          redis: `127.0.0.1:${redis.port}`,
          kafka,
          rabbitmq: rabbitmqUrl(),
          jetstream: jetstreamUrl(),
        },
      },
    );
    const resources = { ...rendered, config: join(repo, 'dapr', 'config.yaml') };
    cleanups.push(async () => rmSync(resources.dir, { recursive: true, force: true }));
    const env = { TOPIC_NAMESPACE: topicNamespace, ...options.env };
    // state-postgres reads its connection string from daprd's environment (secretstores.local.env).
    const daprdEnv: Record<string, string> =
      stateStore === 'postgres' ? { TASKFLOW_STATE_CONNECTION_STRING: database.url } : {};

    const replicas = {
      'task-api': [],
      'ws-notifier': [],
      scheduler: [],
      'reminder-worker': [],
    } as Record<ServiceName, Replica[]>;
    const addReplica = async (name: ServiceName, index: number) => {
      const replica = await startReplica(name, index, database.url, resources, env, daprdEnv);
      replicas[name].push(replica);
      // Live views: a restarted process or sidecar shows its new log, not its first life's.
      processes.push(
        { name: `${name}#${index}`, logs: () => replica.process.logs() },
        { name: `daprd ${name}#${index}`, logs: () => replica.daprd.logs() },
      );
      members.push(
        () => ({ name: `${name}#${index}`, kind: 'service', process: replica.process }),
        () => ({ name: `daprd ${name}#${index}`, kind: 'sidecar', process: replica.daprd.process }),
      );
      cleanups.push(() => replica.stop());
      return replica;
    };
    const all = (Object.entries(options.replicas) as [ServiceName, number][]).flatMap(
      ([name, count]) => Array.from({ length: count }, (_, index) => [name, index] as const),
    );
    // state.postgresql creates its tables on first init with CREATE ... IF NOT EXISTS, which
    // races in Postgres: sidecars initialising it at once on a fresh database can fail with
    // `type "dapr_metadata" already exists` and exit (dapr/README.md). One goes first.
    if (stateStore === 'postgres' && all.length > 1) await addReplica(...all.shift()!);
    await Promise.all(all.map(([name, index]) => addReplica(name, index)));
    for (const list of Object.values(replicas)) list.sort((a, b) => a.index - b.index);

    const logs = () => processes.map((p) => `----- ${p.name} -----\n${p.logs()}`).join('\n');
    return {
      broker: options.broker,
      mode: 'dapr',
      stateStore,
      topicNamespace,
      database,
      replicas,
      api: replicas['task-api'][0]?.url ?? '',
      redisPort: redis.port,
      brokerControl: brokerControlOf(options.broker, redis.control),
      addReplica: (name) => addReplica(name, replicas[name].length),
      logs,
      members: () => members.map((member) => member()),
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run();
    const detail = processes.map((p) => `----- ${p.name} -----\n${p.logs()}`).join('\n');
    throw new Error(`the fleet did not start: ${String(error)}\n${detail}`, { cause: error });
  }
}

async function startReplica(
  name: ServiceName,
  index: number,
  databaseUrl: string,
  resources: Resources,
  extraEnv: Record<string, string>,
  daprdEnv: Record<string, string>,
): Promise<Replica> {
  const port = await freePort();
  const daprd = await startDaprd({
    appId: name,
    appPort: port,
    resourcesPaths: resources.paths,
    configPath: resources.config,
    appApiToken: FLEET_APP_API_TOKEN,
    daprApiToken: FLEET_DAPR_API_TOKEN,
    podName: `${name}-${index}-${process.pid}-${Date.now().toString(36)}`,
    env: daprdEnv,
  });
  const env = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: FLEET_JWT_SECRET,
    DAPR_HTTP_PORT: String(daprd.httpPort),
    DAPR_API_TOKEN: FLEET_DAPR_API_TOKEN,
    APP_API_TOKEN: FLEET_APP_API_TOKEN,
    LOG_LEVEL: 'info',
    // Node flags for the services only, e.g. FLEET_NODE_OPTIONS=--cpu-prof to profile a benchmark.
    ...(process.env.FLEET_NODE_OPTIONS ? { NODE_OPTIONS: process.env.FLEET_NODE_OPTIONS } : {}),
    ...extraEnv,
  };
  const start = () =>
    startProcess({
      name: `${name}#${index}`,
      command: process.execPath,
      args: [join(repo, 'services', name, 'dist', 'main.js')],
      env,
      cwd: repo,
    });
  const url = `http://127.0.0.1:${port}`;
  const replica: Replica = {
    name,
    index,
    url,
    port,
    daprd,
    process: start(),
    async restart() {
      replica.process = start();
      await waitForReady(url, replica.process);
    },
    async stop() {
      try {
        await replica.process.stop();
      } finally {
        await replica.daprd.stop();
      }
    },
  };
  await waitForReady(url, replica.process);
  return replica;
}

/**
 * Polls `/readyz` until it answers 200. 60 s by default: `pnpm test` starts fleets in two lanes
 * side by side, and on two cores a fleet starting beside another's start-up has taken over 30.
 */
export async function waitForReady(
  url: string,
  child: RunningProcess,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitStatus())
      throw new Error(`${child.name} exited: ${JSON.stringify(child.exitStatus())}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${child.name} was not ready at ${url}/readyz within ${timeoutMs} ms`);
}

interface Resources {
  dir: string;
  paths: string[];
  config: string;
}

/**
 * A Redis of this fleet's own: killing it hurts no other test. It persists as production Redis
 * must (docs/architecture.md, "Broker crashes"): an append-only file in a directory of its own,
 * so a SIGKILLed broker comes back with its streams and consumer groups.
 */
async function startRedis(): Promise<{
  port: number;
  dir: string;
  process: RunningProcess;
  control: BrokerControl;
}> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'taskflow-redis-'));
  const start = () =>
    startProcess({
      name: `redis :${port}`,
      command: 'redis-server',
      args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...REDIS_PERSISTENCE],
    });
  const state = { process: start() };
  const ready = async () => {
    for (let i = 0; i < 100; i++) {
      const pong = await run('redis-cli', ['-p', String(port), 'ping']).then(
        (r) => r.stdout.trim() === 'PONG',
        () => false,
      );
      if (pong) return;
      await sleep(50);
    }
    throw new Error(`redis on ${port} did not start: ${state.process.logs()}`);
  };
  await ready();
  return {
    port,
    dir,
    get process() {
      return state.process;
    },
    control: {
      async kill() {
        state.process.kill('SIGKILL');
        await state.process.exited;
      },
      async start() {
        state.process = start();
        await ready();
      },
    },
  };
}

/**
 * Every write in the append-only file, handed to the kernel before Redis answers it and fsynced
 * once a second: a killed process loses nothing, a power loss up to about a second (the same
 * flags as scripts/provision/redis.sh and docker-compose.yml). No RDB snapshots besides.
 */
const REDIS_PERSISTENCE = ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'];

const kafkaScript = join(repo, 'scripts', 'provision', 'kafka.sh');

/** The shared local Kafka's topics of one fleet's namespace, deleted (kafka.sh delete-namespace). */
export async function deleteKafkaNamespace(namespace: string): Promise<void> {
  await run('bash', [kafkaScript, 'delete-namespace', namespace], { timeout: 60_000 });
}

/** Who kills and starts the fleet's broker: its own Redis, or the shared Kafka, RabbitMQ or NATS. */
function brokerControlOf(broker: Broker, redis: BrokerControl): BrokerControl {
  if (broker === 'kafka' || broker === 'rabbitmq' || broker === 'jetstream') {
    return sharedBrokerControl(broker);
  }
  return redis;
}

/**
 * A broker the tests share, through its provisioning script (scripts/provision/<name>.sh):
 * `stop --kill` is a crash, `start` brings it back with what it had stored.
 */
export function sharedBrokerControl(name: 'kafka' | 'rabbitmq' | 'jetstream'): BrokerControl {
  const script = join(repo, 'scripts', 'provision', `${name}.sh`);
  return {
    async kill() {
      await run('bash', [script, 'stop', '--kill']);
    },
    async start() {
      await run('bash', [script, 'start'], { timeout: 120_000 });
    },
  };
}
