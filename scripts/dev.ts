// The local fleet, started by scripts/dev.sh (which provisions, builds and migrates first).
// It reads dapr/dapr.yaml, the same multi-app run file `dapr run -f` uses, and starts each app
// that is built, with its own daprd, as the dapr CLI would. Every line is prefixed with its
// process's name. "taskflow is ready" is printed once every service answers /readyz and every
// sidecar /v1.0/healthz; Ctrl-C (or SIGTERM) stops them gracefully, services before sidecars. BROKER=kafka (rabbitmq, jetstream) swaps the pub/sub component folder.
// The fleet runs in the topic namespace `dev` (dev.tasks.events, consumer groups dev-<app id>):
// the sidecars load a copy of the resources renamed so, and the services get TOPIC_NAMESPACE.
// Test fleets on the same broker have namespaces of their own, so neither sees the other's events.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { signDevToken } from '@taskflow/service-kit';
import { renderResources } from '@taskflow/testkit';
import { DEV_JWT_SECRET } from './dev-secret.ts';
import { waitUntilReady, type Probe } from './dev/readiness.ts';
import { Supervisor, type Tier } from './dev/supervisor.ts';

interface RunFile {
  common: { resourcesPaths: string[]; configFilePath: string; env: Record<string, string> };
  apps: Array<{
    appID: string;
    appDirPath: string;
    appPort: number;
    daprHTTPPort: number;
    daprGRPCPort: number;
    metricsPort: number;
    command: string[];
    env: Record<string, string>;
  }>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const runFilePath = join(root, 'dapr', 'dapr.yaml');
const runFile = parse(readFileSync(runFilePath, 'utf8')) as RunFile;
const broker = process.env.BROKER ?? 'redis';
const daprd = process.env.DAPRD;
const databaseUrl = process.env.DATABASE_URL;
if (!daprd || !databaseUrl) throw new Error('dev.ts: run it through scripts/dev.sh');

const TOPIC_NAMESPACE = 'dev';
const rendered = renderResources(
  runFile.common.resourcesPaths.map((path) =>
    resolve(dirname(runFilePath), path.replace('pubsub-redis', `pubsub-${broker}`)),
  ),
  { namespace: TOPIC_NAMESPACE },
);
process.on('exit', () => rmSync(rendered.dir, { recursive: true, force: true }));
const resources = rendered.paths;
const shared = {
  ...runFile.common.env,
  TOPIC_NAMESPACE,
  DATABASE_URL: databaseUrl,
  AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? DEV_JWT_SECRET,
  ENVIRONMENT: 'local',
};

const fleet = new Supervisor();
fleet.stopOnSignals();
const start = (
  name: string,
  tier: Tier,
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
) => fleet.start(name, tier, command, args, cwd, { ...process.env, ...env });
const probes: Probe[] = [];

const started: string[] = [];
for (const app of runFile.apps) {
  const cwd = resolve(dirname(runFilePath), app.appDirPath);
  if (!existsSync(join(cwd, 'dist', 'main.js'))) continue; // not built (or not written yet)
  const env = {
    ...shared,
    ...app.env,
    DAPR_HTTP_PORT: String(app.daprHTTPPort),
    POD_NAME: `${app.appID}-dev`,
  };
  const [command, ...args] = app.command;
  start(app.appID, 'service', command === 'node' ? process.execPath : command!, args, cwd, env);
  start(
    `daprd ${app.appID}`,
    'sidecar',
    daprd,
    [
      '--app-id',
      app.appID,
      '--app-port',
      String(app.appPort),
      '--app-protocol',
      'http',
      '--dapr-http-port',
      String(app.daprHTTPPort),
      '--dapr-grpc-port',
      String(app.daprGRPCPort),
      '--metrics-port',
      String(app.metricsPort),
      '--config',
      resolve(dirname(runFilePath), runFile.common.configFilePath),
      '--placement-host-address',
      '',
      '--scheduler-host-address',
      '',
      ...resources.flatMap((path) => ['--resources-path', path]),
    ],
    cwd,
    env,
  );
  probes.push(
    { name: app.appID, url: `http://127.0.0.1:${app.appPort}/readyz` },
    { name: `daprd ${app.appID}`, url: `http://127.0.0.1:${app.daprHTTPPort}/v1.0/healthz` },
  );
  started.push(
    `  ${app.appID.padEnd(16)} http://127.0.0.1:${app.appPort}   (sidecar :${app.daprHTTPPort})`,
  );
}

// The web page (services/web) is no Dapr app: it needs no sidecar. Its gateway routes /api and
// /ws to task-api and ws-notifier on the page's own origin, as the ingress does in Kubernetes.
const webDir = join(root, 'services', 'web');
const portOf = (id: string) => runFile.apps.find((app) => app.appID === id)?.appPort;
if (existsSync(join(webDir, 'dist', 'main.js'))) {
  start('web', 'service', process.execPath, ['dist/main.js'], webDir, {
    ...shared,
    PORT: '8080',
    TASK_API_URL: `http://127.0.0.1:${portOf('task-api')}`,
    WS_NOTIFIER_URL: `http://127.0.0.1:${portOf('ws-notifier')}`,
  });
  probes.push({ name: 'web', url: 'http://127.0.0.1:8080/readyz' });
  started.push(`  ${'web'.padEnd(16)} http://127.0.0.1:8080   (the page; no sidecar)`);
}

console.log(`taskflow is starting on ${broker}: ${probes.map((p) => p.name).join(', ')}`);
await waitUntilReady(probes, {
  report: (waiting) =>
    console.log(`dev: still waiting for ${waiting.map((p) => p.name).join(', ')}`),
});
const token = await signDevToken('dev-user', shared.AUTH_JWT_SECRET);
console.log(`
taskflow is ready on ${broker}:
${started.join('\n')}

  Web page      http://127.0.0.1:8080/   (sign in as any user id: ENVIRONMENT=local)
  REST API      http://127.0.0.1:8000/api/dev-user/tasks   (docs: http://127.0.0.1:8000/docs)
  WebSocket     ws://127.0.0.1:8030/ws/user/dev-user/tasks
  dev token     ${token}

  export TOKEN=<the dev token>; curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/dev-user/tasks
  more tokens:  pnpm run token <user_id>
Ctrl-C stops everything (services drain, then sidecars); a second Ctrl-C kills at once.
`);
