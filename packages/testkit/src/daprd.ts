import { accessSync, constants, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from './ports.ts';
import { startProcess, type RunningProcess } from './processes.ts';

/** The daprd version scripts/provision/daprd.sh pins. */
export const PINNED_DAPRD_VERSION = 'v1.18.2';

export interface DaprdOptions {
  appId: string;
  /** The app's port; leave out for a sidecar without an app (publish and state only). */
  appPort?: number;
  /** Folders of component, subscription and resiliency YAML (`--resources-path`, repeated). */
  resourcesPaths: string[];
  /** A Configuration file (`--config`). */
  configPath?: string;
  /** daprd sends it to the app as `dapr-api-token` (APP_API_TOKEN). */
  appApiToken?: string;
  /** daprd requires it from callers as `dapr-api-token` (DAPR_API_TOKEN). */
  daprApiToken?: string;
  /**
   * POD_NAME, which `{podName}` in component metadata expands to. Defaults to
   * `<appId>-<random>`, as a Kubernetes pod would be named; pass the same name again to play
   * "the same pod restarted".
   */
  podName?: string;
  /** More environment for daprd (e.g. secrets for a `secretstores.local.env` store). */
  env?: Record<string, string>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for `/v1.0/healthz/outbound` (default 20 s). */
  startTimeoutMs?: number;
}

export interface Daprd {
  appId: string;
  podName: string;
  httpPort: number;
  grpcPort: number;
  metricsPort: number;
  /** http://127.0.0.1:<httpPort> */
  url: string;
  process: RunningProcess;
  /** The last lines daprd printed. */
  logs(): string;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL by default: a crashed sidecar. SIGCONT ends a `hang()`. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGSTOP, once every thread has stopped: a hung sidecar. */
  hang(): Promise<void>;
  /**
   * Starts daprd again after `stop()` or `kill()`, with the same ports, pod name and resources:
   * the same pod's sidecar coming back, so it resumes its own consumer groups and its app finds
   * it where it was.
   */
  restart(): Promise<void>;
}

const HOW_TO =
  'Run `bash scripts/provision/daprd.sh` (it builds the pinned daprd into ' +
  '~/.cache/taskflow/daprd once), or set DAPRD to the path of a daprd binary.';

/**
 * Starts a standalone daprd for a test and waits until its API is ready. Always without
 * placement and scheduler (taskflow uses neither; pointed at absent ones, daprd retries forever).
 * Readiness is `/v1.0/healthz/outbound`, which does not wait for the app: `/v1.0/healthz` does,
 * so waiting on it before the app listens would deadlock.
 */
export async function startDaprd(options: DaprdOptions): Promise<Daprd> {
  const binary = findDaprd();
  const [httpPort, grpcPort, metricsPort, internalGrpcPort, profilePort] = (await freePorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const podName = options.podName ?? `${options.appId}-${randomBytes(4).toString('hex')}`;
  const args = [
    '--app-id',
    options.appId,
    '--dapr-http-port',
    String(httpPort),
    '--dapr-grpc-port',
    String(grpcPort),
    '--dapr-internal-grpc-port',
    String(internalGrpcPort),
    '--metrics-port',
    String(metricsPort),
    '--dapr-listen-addresses',
    '127.0.0.1',
    '--placement-host-address',
    '',
    '--scheduler-host-address',
    '',
    '--log-level',
    options.logLevel ?? 'info',
    // Tests stop sidecars often; daprd's default 5 s drain would dominate their runtime.
    '--dapr-graceful-shutdown-seconds',
    '1',
    ...profilingArgs(options.appId, profilePort),
    ...options.resourcesPaths.flatMap((path) => ['--resources-path', path]),
    ...(options.configPath ? ['--config', options.configPath] : []),
    ...(options.appPort === undefined
      ? []
      : [
          '--app-port',
          String(options.appPort),
          '--app-protocol',
          'http',
          '--app-channel-address',
          '127.0.0.1',
        ]),
  ];
  const spawnDaprd = () =>
    startProcess({
      name: `daprd ${podName}`,
      command: binary,
      args,
      env: daprdEnvironment(options, podName),
    });
  let child = spawnDaprd();
  const url = `http://127.0.0.1:${httpPort}`;
  const ready = async () => {
    try {
      await waitUntilReady(daprd, options.startTimeoutMs ?? 20_000);
    } catch (error) {
      await child.stop({ timeoutMs: 1_000 });
      throw error;
    }
  };
  const daprd: Daprd = {
    appId: options.appId,
    podName,
    httpPort,
    grpcPort,
    metricsPort,
    url,
    get process() {
      return child;
    },
    logs: () => child.logs(),
    stop: async () => {
      await child.stop();
    },
    kill: (signal) => child.kill(signal),
    hang: () => child.hang(),
    async restart() {
      if (!child.exitStatus()) throw new Error(`daprd ${options.appId} is still running`);
      child = spawnDaprd();
      await ready();
    },
  };
  await ready();
  return daprd;
}

/**
 * The daprd binary: $DAPRD, the dapr CLI's ~/.dapr/bin/daprd, `daprd` on PATH, or the one
 * scripts/provision/daprd.sh built into the cache (the same order as that script). Throws with
 * the fix when there is none: a test never passes by not running.
 */
export function findDaprd(): string {
  const fromEnv = process.env.DAPRD;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`DAPRD=${fromEnv} is not an executable. ${HOW_TO}`);
    return fromEnv;
  }
  const candidates = [
    join(homedir(), '.dapr', 'bin', 'daprd'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'daprd')),
    ...cachedBuilds(),
  ];
  const found = candidates.find(isExecutable);
  if (found) return found;
  throw new Error(`no daprd binary found. ${HOW_TO}`);
}

function cachedBuilds(): string[] {
  const root = join(process.env.TASKFLOW_CACHE ?? join(homedir(), '.cache', 'taskflow'), 'daprd');
  let versions: string[];
  try {
    versions = readdirSync(root);
  } catch {
    return [];
  }
  // The pinned version first, then the newest.
  const newestFirst = versions.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  const ordered = [
    ...newestFirst.filter((v) => v === PINNED_DAPRD_VERSION),
    ...newestFirst.filter((v) => v !== PINNED_DAPRD_VERSION),
  ];
  return ordered.map((version) => join(root, version, 'daprd'));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function daprdEnvironment(options: DaprdOptions, podName: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, POD_NAME: podName };
  // Only what the test asks for: an inherited token or scheduler address would change daprd.
  delete env.DAPR_API_TOKEN;
  delete env.APP_API_TOKEN;
  delete env.DAPR_SCHEDULER_HOST_ADDRESS;
  delete env.DAPR_SCHEDULER_HOST_ADDRESS_DNS_A;
  if (options.daprApiToken) env.DAPR_API_TOKEN = options.daprApiToken;
  if (options.appApiToken) env.APP_API_TOKEN = options.appApiToken;
  return env;
}

async function waitUntilReady(daprd: Daprd, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const exit = daprd.process.exitStatus();
    if (exit) {
      const how = exit.error ? exit.error.message : `code ${exit.code}, signal ${exit.signal}`;
      throw new Error(
        `daprd ${daprd.appId} exited during startup (${how}). Its last lines:\n${tail(daprd.logs())}`,
      );
    }
    try {
      const response = await fetch(`${daprd.url}/v1.0/healthz/outbound`, {
        signal: AbortSignal.timeout(1_000),
      });
      if (response.status === 204) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(50);
  }
  throw new Error(
    `daprd ${daprd.appId} was not ready within ${timeoutMs} ms ` +
      `(GET /v1.0/healthz/outbound: ${last}). Its last lines:\n${tail(daprd.logs())}`,
  );
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * FLEET_DAPRD_PROFILE=1: each sidecar serves Go's pprof on a port of its own (printed on stderr),
 * e.g. `go tool pprof http://127.0.0.1:<port>/debug/pprof/profile?seconds=10` during a benchmark.
 */
function profilingArgs(appId: string, port: number): string[] {
  if (!process.env.FLEET_DAPRD_PROFILE) return [];
  console.error(`daprd ${appId}: pprof on http://127.0.0.1:${port}/debug/pprof/`);
  return ['--enable-profiling', '--profile-port', String(port)];
}
