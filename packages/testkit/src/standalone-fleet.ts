import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Daprd } from './daprd.ts';
import type { Fleet, FleetMember, FleetOptions, Replica, ServiceName } from './fleet.ts';
import {
  deleteKafkaNamespace,
  FLEET_JWT_SECRET,
  kafkaBrokers,
  sharedBrokerControl,
  runId,
  waitForReady,
} from './fleet.ts';
import { cleanupStack } from './cleanups.ts';
import { freePort } from './ports.ts';
import { createTestDatabase } from './postgres.ts';
import { startProcess, type RunningProcess } from './processes.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const SERVICES: ServiceName[] = ['task-api', 'ws-notifier', 'scheduler', 'reminder-worker'];

/**
 * The fleet of `USE_DAPR=false`: taskflow as services/standalone runs it, every service in one
 * process, no sidecar. On the in-process bus there is exactly one process, and every replica a
 * test asks for is that process (index 1 of ws-notifier is the same server as index 0). On
 * direct Kafka there are as many processes as the largest replica count asks for, and replica i
 * of every service is process i, as processes behind a load balancer would be.
 */
export async function startStandaloneFleet(options: FleetOptions): Promise<Fleet> {
  const cleanups = cleanupStack();
  try {
    const database = await createTestDatabase(options.databaseServer);
    cleanups.push(() => database.drop());
    const topicNamespace = runId();
    const kafka = options.broker === 'kafka';
    if (options.broker === 'redis') throw new Error('standalone runs on Kafka or in-process');
    if (kafka) cleanups.push(() => deleteKafkaNamespace(topicNamespace));
    const wanted = Math.max(1, ...Object.values(options.replicas).map((count) => count ?? 0));
    const processes: StandaloneProcess[] = [];
    const env = {
      DATABASE_URL: database.url,
      TOPIC_NAMESPACE: topicNamespace,
      ...(kafka ? { KAFKA_BOOTSTRAP_SERVERS: kafkaBrokers() } : {}),
      ...options.env,
    };
    const startOne = async (index: number) => {
      const started = await startStandaloneProcess(index, env);
      processes.push(started);
      cleanups.push(() => started.stop());
      return started;
    };
    for (let index = 0; index < (kafka ? wanted : 1); index++) await startOne(index);

    const replicas = Object.fromEntries(SERVICES.map((name) => [name, []])) as unknown as Record<
      ServiceName,
      Replica[]
    >;
    const replicaOf = (name: ServiceName, index: number, of: StandaloneProcess): Replica => ({
      name,
      index,
      url: of.url,
      port: of.port,
      get process() {
        return of.process;
      },
      get daprd(): Daprd {
        throw new Error('this fleet runs without sidecars (USE_DAPR=false)');
      },
      restart: () => of.restart(),
      stop: () => of.stop(),
    });
    for (const [name, count] of Object.entries(options.replicas) as [ServiceName, number][]) {
      for (let index = 0; index < count; index++) {
        replicas[name].push(
          replicaOf(name, index, processes[Math.min(index, processes.length - 1)]!),
        );
      }
    }
    const logs = () =>
      processes.map((p) => `----- ${p.process.name} -----\n${p.process.logs()}`).join('\n');
    return {
      broker: options.broker,
      mode: 'standalone',
      stateStore: 'none',
      topicNamespace,
      database,
      replicas,
      api: processes[0]!.url,
      redisPort: 0,
      brokerControl: kafka
        ? sharedBrokerControl('kafka')
        : {
            async kill() {
              throw new Error('the in-process bus has no broker to kill');
            },
            async start() {},
          },
      async addReplica(name) {
        const of = kafka ? await startOne(processes.length) : processes[0]!;
        const replica = replicaOf(name, replicas[name].length, of);
        replicas[name].push(replica);
        return replica;
      },
      logs,
      members: (): FleetMember[] =>
        processes.map((p) => ({ name: p.process.name, kind: 'service', process: p.process })),
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run();
    throw new Error(`the standalone fleet did not start: ${String(error)}`, { cause: error });
  }
}

/**
 * One more standalone process on a running fleet's database, topic namespace and Kafka: a
 * process without Dapr next to Dapr replicas, as a mixed deployment would run. Stopped with the
 * fleet's stop or its own.
 */
export async function startStandaloneBeside(
  fleet: Fleet,
  env: Record<string, string> = {},
): Promise<StandaloneProcess> {
  if (fleet.broker !== 'kafka') throw new Error('a standalone process joins a fleet over Kafka');
  return startStandaloneProcess(100, {
    DATABASE_URL: fleet.database.url,
    TOPIC_NAMESPACE: fleet.topicNamespace,
    KAFKA_BOOTSTRAP_SERVERS: kafkaBrokers(),
    ...env,
  });
}

export interface StandaloneProcess {
  url: string;
  port: number;
  process: RunningProcess;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function startStandaloneProcess(
  index: number,
  extraEnv: Record<string, string>,
): Promise<StandaloneProcess> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    USE_DAPR: 'false',
    AUTH_JWT_SECRET: FLEET_JWT_SECRET,
    LOG_LEVEL: 'info',
    ...(process.env.FLEET_NODE_OPTIONS ? { NODE_OPTIONS: process.env.FLEET_NODE_OPTIONS } : {}),
    ...extraEnv,
  };
  const start = () =>
    startProcess({
      name: `taskflow#${index}`,
      command: process.execPath,
      args: [join(repo, 'services', 'standalone', 'dist', 'main.js')],
      env,
      cwd: repo,
    });
  const url = `http://127.0.0.1:${port}`;
  const started: StandaloneProcess = {
    url,
    port,
    process: start(),
    async restart() {
      started.process = start();
      await waitForReady(url, started.process);
    },
    async stop() {
      await started.process.stop();
    },
  };
  await waitForReady(url, started.process);
  return started;
}
