// The deployment files, checked without Docker or a cluster: the Helm chart is linted and
// rendered with a real `helm` (dev and prod values), the rendered objects are inspected, the
// chart's Dapr resources are compared with dapr/ (the canonical files), and the Dockerfile,
// docker-compose.yml and k8s/ingress.yaml are checked for what they must say. Every folder of
// services/ must be deployed by all of them. `helm` comes from scripts/provision/helm.sh; without
// it the chart tests fail, saying how to get it.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CHART = join(REPO, 'charts/taskflow');
const DAPR = join(REPO, 'dapr');
const CHART_DAPR = join(CHART, 'dapr');
/** The Dapr apps: each with its sidecar, its app id the Deployment's name. */
const SERVICES = ['task-api', 'scheduler', 'reminder-worker', 'ws-notifier'] as const;
/** Every deployable: each folder of services/ (the four above and web, the page). */
const DEPLOYABLES = readdirSync(join(REPO, 'services'))
  .filter((name) => existsSync(join(REPO, 'services', name, 'package.json')))
  .sort();
/**
 * What the chart and docker-compose.yml deploy: all but services/standalone, the one process
 * without Dapr that Render runs (render.yaml) from the same Dockerfile.
 */
const FLEET_DEPLOYABLES = DEPLOYABLES.filter((name) => name !== 'standalone');
type ServiceName = string;
const MIGRATE_CLI = 'node_modules/@taskflow/db/dist/migrate-cli.js';
const SYNC = 'bash scripts/check-deploy.sh --sync-dapr';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    })
    .sort();
}

/** What each service's config.ts reads: its schema keys, and the names of the fragments it spreads. */
function configNames(service: ServiceName): Set<string> {
  const source = read(`services/${service}/src/config.ts`);
  const names = new Set([...source.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!));
  if (source.includes('...env.rateLimit(')) {
    for (const name of [
      'RATE_LIMIT_USER',
      'RATE_LIMIT_ADDRESS',
      'RATE_LIMIT_WINDOW_SECONDS',
      'RATE_LIMIT_SYNC_MS',
      'RATE_LIMIT_STATE_STORE',
    ]) {
      names.add(name);
    }
  }
  if (source.includes('...env.messaging')) {
    for (const name of [
      'USE_DAPR',
      'DAPR_HTTP_PORT',
      'DAPR_API_TOKEN',
      'APP_API_TOKEN',
      'PUBSUB_NAME',
      'TOPIC_NAMESPACE',
    ]) {
      names.add(name);
    }
  }
  if (source.includes('...env.auth')) {
    for (const name of ['AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE']) {
      names.add(name);
    }
  }
  return names;
}

/** The default PORT of a service's config.ts (`PORT: env.port(8000)`). */
function configPort(service: ServiceName): number {
  const match = /PORT:\s*env\.port\((\d+)\)/.exec(read(`services/${service}/src/config.ts`));
  if (!match) throw new Error(`services/${service}/src/config.ts: no PORT: env.port(<n>)`);
  return Number(match[1]);
}

/** The seed's deployment variables set for operators on services that do not read them. */
const INFORMATIONAL_ENV = new Set(['ENVIRONMENT']);

// ---------------------------------------------------------------------------------------------
// helm

function findHelm(): string | undefined {
  if (process.env.HELM) return process.env.HELM;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'helm');
    if (dir && existsSync(candidate)) return candidate;
  }
  const pinned = /HELM_VERSION=\$\{HELM_VERSION:-(v[0-9.]+)\}/.exec(
    read('scripts/provision/helm.sh'),
  )?.[1];
  const cache = process.env.TASKFLOW_CACHE ?? join(homedir(), '.cache/taskflow');
  const cached = pinned && join(cache, 'helm', pinned, 'helm');
  return cached && existsSync(cached) ? cached : undefined;
}

let helmBinary: string | undefined;

/**
 * Runs helm. Without one, every test that needs it FAILS (none is skipped) with the command
 * that provisions it.
 */
function helm(...args: string[]): { status: number; stdout: string; stderr: string } {
  helmBinary ??= findHelm();
  if (!helmBinary) {
    throw new Error(
      'helm is not installed. Provision it (built once from the Go module proxy into ' +
        '~/.cache/taskflow/helm) with:\n  export HELM=$(bash scripts/provision/helm.sh)\n' +
        'or run every provisioning step: eval "$(bash scripts/provision/all.sh)"',
    );
  }
  const result = spawnSync(helmBinary, args, { cwd: REPO, encoding: 'utf8' });
  if (result.error) throw new Error(`${helmBinary} does not run: ${result.error.message}`);
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const VALUES = {
  default: [] as string[],
  dev: ['-f', 'charts/taskflow/values-dev.yaml'],
  prod: ['-f', 'charts/taskflow/values-prod.yaml'],
};
type Profile = keyof typeof VALUES;

function render(profile: Profile, ...extra: string[]): Obj[] {
  const { status, stdout, stderr } = helm(
    'template',
    'taskflow',
    'charts/taskflow',
    '--namespace',
    'taskflow',
    ...VALUES[profile],
    ...extra,
  );
  if (status !== 0) throw new Error(`helm template (${profile}) failed:\n${stderr}`);
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as Obj | null)
    .filter((obj): obj is Obj => obj !== null && typeof obj === 'object' && 'kind' in obj);
}

/** The chart's values for a profile: values.yaml deep-merged with the profile's file, as Helm does. */
function valuesOf(profile: Profile): Obj {
  const merge = (base: Obj, over: Obj): Obj => {
    const out: Obj = { ...base };
    for (const [key, value] of Object.entries(over ?? {})) {
      const isMap = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
      out[key] = isMap(value) && isMap(base[key]) ? merge(base[key], value) : value;
    }
    return out;
  };
  const base = parse(read('charts/taskflow/values.yaml')) as Obj;
  return profile === 'default'
    ? base
    : merge(base, parse(read(`charts/taskflow/values-${profile}.yaml`)) as Obj);
}

const byKind = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: Obj[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name);

/**
 * The Dapr resources the chart must render for these values: the same files a standalone daprd
 * loads from dapr/ (common, one state folder, one pub/sub folder, config.yaml), changed only as
 * templates/dapr-resources.yaml documents. Independent of the template: an oracle.
 */
function expectedDaprResources(values: Obj): Obj[] {
  const settings = values.dapr.resources;
  const folders = ['common', settings.stateStore, settings.pubsub];
  const files = [
    ...folders.flatMap((folder) =>
      readdirSync(join(DAPR, 'components', folder))
        .filter((file) => file.endsWith('.yaml'))
        .map((file) => join(DAPR, 'components', folder, file)),
    ),
    join(DAPR, 'config.yaml'),
  ];
  const out: Obj[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const resource = doc.toJS() as Obj | null;
      if (!resource?.kind) continue;
      if (resource.kind === 'Component') {
        if (String(resource.spec.type).startsWith('secretstores.local.')) continue;
        for (const entry of resource.spec.metadata ?? []) {
          if (entry.secretKeyRef) {
            const target = settings.secrets?.[entry.secretKeyRef.name];
            if (!target)
              throw new Error(`values lack dapr.resources.secrets.${entry.secretKeyRef.name}`);
            entry.secretKeyRef = { name: target.name, key: target.key };
          } else if (settings.metadata && entry.name in settings.metadata) {
            entry.value = String(settings.metadata[entry.name]);
          }
        }
        const extra = settings.extraMetadata?.[resource.metadata.name];
        if (extra) resource.spec.metadata = [...resource.spec.metadata, ...extra];
        if (resource.auth) resource.auth.secretStore = 'kubernetes';
      }
      if (resource.kind === 'Configuration') {
        if (resource.spec.secrets?.scopes?.length) {
          resource.spec.secrets.scopes = [{ storeName: 'kubernetes', defaultAccess: 'deny' }];
        }
        const tracing = settings.tracing ?? {};
        if (tracing.samplingRate || Object.keys(tracing.otel ?? {}).length) {
          resource.spec.tracing ??= {};
          if (tracing.samplingRate)
            resource.spec.tracing.samplingRate = String(tracing.samplingRate);
          if (Object.keys(tracing.otel ?? {}).length) resource.spec.tracing.otel = tracing.otel;
        }
      }
      out.push(resource);
    }
  }
  return out;
}

const isDapr = (o: Obj) => String(o.apiVersion).startsWith('dapr.io/');
const withoutLabels = (o: Obj) => {
  const { labels: _labels, ...metadata } = o.metadata;
  return { ...o, metadata };
};
const sortKey = (o: Obj) => `${o.kind}/${o.metadata.name}`;
const sorted = (objects: Obj[]) =>
  [...objects].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));

const daprConfigName = () => (parse(read('dapr/config.yaml')) as Obj).metadata.name as string;

// ---------------------------------------------------------------------------------------------

describe('charts/taskflow/dapr: the copy of dapr/', () => {
  it('holds exactly dapr/components/** and dapr/config.yaml, byte for byte', () => {
    const canonical = [...filesUnder(join(DAPR, 'components')), join(DAPR, 'config.yaml')];
    const copy = filesUnder(CHART_DAPR);
    const rel = (root: string) => (path: string) => relative(root, path);
    expect(copy.map(rel(CHART_DAPR)), `file lists differ; run ${SYNC}`).toEqual(
      canonical.map(rel(DAPR)),
    );
    for (const file of canonical) {
      const twin = join(CHART_DAPR, relative(DAPR, file));
      expect(readFileSync(twin, 'utf8'), `${relative(REPO, twin)} differs; run ${SYNC}`).toBe(
        readFileSync(file, 'utf8'),
      );
    }
  });
});

describe('charts/taskflow with helm', () => {
  it.each(Object.keys(VALUES) as Profile[])('passes helm lint --strict (%s values)', (profile) => {
    const { status, stdout, stderr } = helm(
      'lint',
      '--strict',
      'charts/taskflow',
      ...VALUES[profile],
    );
    expect(status, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('0 chart(s) failed');
  });

  describe.each(Object.keys(VALUES) as Profile[])('rendered with %s values', (profile) => {
    const values = valuesOf(profile);
    let memo: Obj[] | undefined;
    // Rendered by the first test that needs it (a beforeAll that throws would skip the tests).
    const rendered = () => (memo ??= render(profile));

    it('deploys every folder of services/, and only the Dapr apps with a sidecar', () => {
      const objects = rendered();
      const deployed = byKind(objects, 'Deployment')
        .filter((d) => d.metadata.labels['app.kubernetes.io/component'] === d.metadata.name)
        .map((d) => d.metadata.name as string)
        .filter((name) => Object.keys(values.services).includes(name));
      expect(deployed.sort()).toEqual(FLEET_DEPLOYABLES);
      for (const name of FLEET_DEPLOYABLES.filter(
        (n) => !(SERVICES as readonly string[]).includes(n),
      )) {
        const annotations = named(objects, 'Deployment', name)!.spec.template.metadata.annotations;
        expect(annotations['dapr.io/enabled'], name).toBe('false');
        expect(named(objects, 'Service', name)?.spec.ports[0].port).toBe(configPort(name));
      }
    });

    it('has a Deployment and a Service per Dapr app, with the Dapr sidecar annotations', () => {
      const objects = rendered();
      for (const name of SERVICES) {
        const deployment = named(objects, 'Deployment', name);
        expect(deployment, `Deployment ${name}`).toBeDefined();
        const port = values.services[name].port;
        expect(port, `${name}: the chart's port is the config's default`).toBe(configPort(name));
        const annotations = deployment!.spec.template.metadata.annotations;
        expect(annotations).toMatchObject({
          'dapr.io/enabled': 'true',
          'dapr.io/app-id': name,
          'dapr.io/app-port': String(port),
          'dapr.io/app-protocol': 'http',
          'dapr.io/config': daprConfigName(),
          'dapr.io/enable-api-logging': 'false',
        });
        for (const key of [
          'sidecar-cpu-request',
          'sidecar-memory-request',
          'sidecar-memory-limit',
        ]) {
          expect(annotations[`dapr.io/${key}`], `${name}: dapr.io/${key}`).toMatch(
            /^\d+(m|Mi|Gi)?$/,
          );
        }
        const service = named(objects, 'Service', name);
        expect(service?.spec.ports).toEqual([
          { name: 'http', port, targetPort: 'http', protocol: 'TCP' },
        ]);
        expect(service?.spec.selector).toEqual(deployment!.spec.selector.matchLabels);
      }
    });

    it('gives every service container its probes, resources and a non-root, read-only root', () => {
      const objects = rendered();
      for (const name of FLEET_DEPLOYABLES) {
        const pod = named(objects, 'Deployment', name)!.spec.template.spec;
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
        expect(pod.containers).toHaveLength(1);
        const [container] = pod.containers;
        expect(container.ports).toEqual([
          { name: 'http', containerPort: values.services[name].port, protocol: 'TCP' },
        ]);
        expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
        expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
        expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
        expect(container.resources.requests.cpu, `${name} cpu request`).toBeTruthy();
        expect(container.resources.requests.memory, `${name} memory request`).toBeTruthy();
        expect(container.resources.limits.memory, `${name} memory limit`).toBeTruthy();
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
        });
      }
    });

    it('sets only variables the services read, secrets only from Secrets', () => {
      const objects = rendered();
      for (const name of FLEET_DEPLOYABLES) {
        const [container] = named(objects, 'Deployment', name)!.spec.template.spec.containers;
        const env = container.env as Obj[];
        const known = configNames(name);
        for (const variable of env) {
          if (INFORMATIONAL_ENV.has(variable.name)) continue;
          expect(known, `${name} does not read ${variable.name}`).toContain(variable.name);
        }
        const byName = new Map(env.map((v) => [v.name, v]));
        expect(byName.get('PORT')?.value).toBe(String(values.services[name].port));
        for (const secret of [
          'DATABASE_URL',
          'AUTH_JWT_SECRET',
          'DAPR_API_TOKEN',
          'APP_API_TOKEN',
          'SMTP_URL',
        ]) {
          const variable = byName.get(secret);
          if (!variable) continue;
          expect(variable.value, `${name}: ${secret} must come from a Secret`).toBeUndefined();
          expect(variable.valueFrom.secretKeyRef.name).toBeTruthy();
        }
        expect(byName.has('DATABASE_URL'), `${name} DATABASE_URL`).toBe(known.has('DATABASE_URL'));
        // The notifier's mail server: from the Secret, optional (no key: email not configured).
        expect(byName.has('SMTP_URL'), `${name} SMTP_URL`).toBe(known.has('SMTP_URL'));
        const smtpUrl = byName.get('SMTP_URL');
        if (smtpUrl) {
          expect(smtpUrl.valueFrom.secretKeyRef).toEqual({
            name: values.secret.name,
            key: values.secret.keys.smtpUrl,
            optional: true,
          });
        }
        // A service that verifies tokens (its config spreads env.auth) gets its identity source.
        if (read(`services/${name}/src/config.ts`).includes('...env.auth')) {
          expect(byName.has('AUTH_JWT_SECRET') || byName.has('AUTH_JWKS_URL'), `${name} auth`).toBe(
            true,
          );
        }
      }
    });

    it('contains no Secret and no secret value', () => {
      const objects = rendered();
      expect(byKind(objects, 'Secret')).toEqual([]);
    });

    it('runs the migrations with the task-api image, from the Secret, without a sidecar', () => {
      const objects = rendered();
      const job = named(objects, 'Job', 'taskflow-migrations');
      expect(job).toBeDefined();
      expect(job!.metadata.annotations['helm.sh/hook']).toBe(values.migrations.hooks);
      const pod = job!.spec.template;
      expect(pod.metadata.annotations['dapr.io/enabled']).toBe('false');
      const [container] = pod.spec.containers;
      expect(container.image).toBe(
        named(objects, 'Deployment', 'task-api')!.spec.template.spec.containers[0].image,
      );
      expect(container.command).toEqual(['node', MIGRATE_CLI]);
      expect(container.env).toEqual([
        {
          name: 'DATABASE_URL',
          valueFrom: {
            secretKeyRef: { name: values.secret.name, key: values.secret.keys.databaseUrl },
          },
        },
      ]);
    });

    it('renders the Dapr resources of dapr/, changed only where a cluster differs', () => {
      const objects = rendered();
      const dapr = objects.filter(isDapr).map(withoutLabels);
      expect(sorted(dapr)).toEqual(sorted(expectedDaprResources(values)));
      for (const resource of objects.filter(isDapr)) {
        expect(resource.metadata.labels['app.kubernetes.io/part-of']).toBe('taskflow');
      }
      // Every address of the canonical files (127.0.0.1) is replaced or read from a Secret.
      expect(JSON.stringify(dapr)).not.toContain('127.0.0.1');
      // ws-notifier's per-replica consumer group: {podName}, which the injector sets.
      const fanout = named(objects, 'Component', 'taskflow-fanout')!;
      expect(fanout.scopes).toEqual(['ws-notifier']);
      const group = fanout.spec.metadata.find((m: Obj) =>
        ['consumerGroup', 'consumerID'].includes(m.name),
      );
      expect(group.value).toBe('{podName}');
    });
  });

  it('dev: local images never pulled, in-cluster Redis and Postgres, migrations after them', () => {
    const objects = render('dev');
    for (const name of FLEET_DEPLOYABLES) {
      const [container] = named(objects, 'Deployment', name)!.spec.template.spec.containers;
      expect(container.image).toBe(`taskflow-${name}:1.0.0`);
      expect(container.imagePullPolicy).toBe('Never');
    }
    // web: dev sign-in (environment local) and the gateway, so one port-forward is the app.
    const web = new Map(
      (named(objects, 'Deployment', 'web')!.spec.template.spec.containers[0].env as Obj[]).map(
        (v) => [v.name, v],
      ),
    );
    expect(web.get('ENVIRONMENT')?.value).toBe('local');
    expect(web.get('AUTH_JWT_SECRET')?.valueFrom.secretKeyRef.key).toBe('auth-jwt-secret');
    expect(web.get('TASK_API_URL')?.value).toBe('http://task-api:8000');
    expect(web.get('WS_NOTIFIER_URL')?.value).toBe('http://ws-notifier:8030');
    expect(named(objects, 'Service', 'redis-service')).toBeDefined();
    expect(named(objects, 'Service', 'postgres')).toBeDefined();
    expect(named(objects, 'StatefulSet', 'postgres')).toBeDefined();
    expect(named(objects, 'Job', 'taskflow-migrations')!.metadata.annotations['helm.sh/hook']).toBe(
      'post-install,post-upgrade',
    );
    const state = named(objects, 'Component', 'taskflow-state')!;
    expect(state.spec.metadata).toContainEqual({ name: 'redisHost', value: 'redis-service:6379' });
  });

  it('dev with the in-cluster Redpanda: the Kafka components point at redpanda:9092', () => {
    const objects = render(
      'dev',
      '--set',
      'devInfra.redpanda.enabled=true',
      '--set',
      'dapr.resources.pubsub=pubsub-kafka',
    );
    expect(named(objects, 'Service', 'redpanda')).toBeDefined();
    for (const name of ['taskflow-pubsub', 'taskflow-fanout']) {
      const component = named(objects, 'Component', name)!;
      expect(component.spec.type).toBe('pubsub.kafka');
      expect(component.spec.metadata).toContainEqual({ name: 'brokers', value: 'redpanda:9092' });
    }
  });

  it('prod: 2+ replicas with budgets, Redpanda Cloud over SCRAM-SHA-256 + TLS, tokens', () => {
    const objects = render('prod');
    for (const name of FLEET_DEPLOYABLES) {
      const deployment = named(objects, 'Deployment', name)!;
      expect(deployment.spec.replicas, name).toBeGreaterThanOrEqual(2);
      expect(named(objects, 'PodDisruptionBudget', name)?.spec.maxUnavailable).toBe(1);
      expect(deployment.spec.template.spec.topologySpreadConstraints).toHaveLength(1);
      const env = deployment.spec.template.spec.containers[0].env as Obj[];
      expect(env.find((v) => v.name === 'ENVIRONMENT')?.value).toBe('production');
    }
    for (const name of SERVICES) {
      const deployment = named(objects, 'Deployment', name)!;
      const annotations = deployment.spec.template.metadata.annotations;
      expect(annotations['dapr.io/api-token-secret']).toBe('taskflow-dapr-api-token');
      expect(annotations['dapr.io/app-token-secret']).toBe('taskflow-app-api-token');
    }
    expect(named(objects, 'Job', 'taskflow-migrations')!.metadata.annotations['helm.sh/hook']).toBe(
      'pre-install,pre-upgrade',
    );
    for (const name of ['taskflow-pubsub', 'taskflow-fanout']) {
      const component = named(objects, 'Component', name)!;
      const meta = Object.fromEntries(
        component.spec.metadata.map((m: Obj) => [m.name, m.value ?? m.secretKeyRef]),
      );
      expect(component.spec.type).toBe('pubsub.kafka');
      expect(meta).toMatchObject({
        authType: 'password',
        saslMechanism: 'SHA-256',
        disableTls: 'false',
        brokers: { name: 'taskflow-secrets', key: 'kafka-brokers' },
        saslUsername: { name: 'taskflow-secrets', key: 'kafka-sasl-username' },
        saslPassword: { name: 'taskflow-secrets', key: 'kafka-sasl-password' },
      });
      expect(component.auth).toEqual({ secretStore: 'kubernetes' });
    }
    const state = named(objects, 'Component', 'taskflow-state')!;
    expect(state.spec.type).toBe('state.postgresql');
    const components = byKind(objects, 'Component');
    expect(components.filter((c) => String(c.spec.type).startsWith('secretstores.'))).toEqual([]);
    expect(byKind(objects, 'StatefulSet')).toEqual([]);
  });

  it('fails to render, naming the value, when a secret or a component folder is missing', () => {
    const unmapped = helm(
      'template',
      'x',
      'charts/taskflow',
      '--set',
      'dapr.resources.pubsub=pubsub-redpanda-cloud',
    );
    expect(unmapped.status).not.toBe(0);
    expect(unmapped.stderr).toContain('dapr.resources.secrets.BOOTSTRAP_SERVERS is not set');
    const unknown = helm('template', 'x', 'charts/taskflow', '--set', 'dapr.resources.pubsub=nope');
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('charts/taskflow/dapr/components/nope has no YAML files');
  });
});

// ---------------------------------------------------------------------------------------------

describe('render.yaml', () => {
  const blueprint = parse(read('render.yaml')) as Obj;
  const [service] = blueprint.services as Obj[];
  const env = new Map((service!.envVars as Obj[]).map((v) => [v.key as string, v]));

  it('runs the Dockerfile default image (services/standalone) as one web service', () => {
    expect(blueprint.services).toHaveLength(1);
    expect(service).toMatchObject({
      type: 'web',
      runtime: 'docker',
      dockerfilePath: './Dockerfile',
      healthCheckPath: '/readyz',
    });
    expect(read('Dockerfile')).toMatch(/^ARG SERVICE=standalone$/m);
  });

  it('sets the seed Cloud Simple variables, secrets asked for, none in the file', () => {
    expect(env.get('USE_DAPR')?.value).toBe('false');
    expect(env.get('ENVIRONMENT')?.value).toBe('production');
    expect(env.get('KAFKA_SECURITY_PROTOCOL')?.value).toBe('SASL_SSL');
    expect(env.get('KAFKA_SASL_MECHANISM')?.value).toBe('SCRAM-SHA-256');
    for (const secret of [
      'DATABASE_URL',
      'KAFKA_BOOTSTRAP_SERVERS',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
    ]) {
      expect(env.get(secret), secret).toEqual({ key: secret, sync: false });
    }
    expect(env.get('AUTH_JWT_SECRET')).toEqual({ key: 'AUTH_JWT_SECRET', generateValue: true });
  });

  it('sets only variables that taskflow reads', () => {
    const read_ = new Set([
      ...FLEET_DEPLOYABLES.flatMap((name) => [...configNames(name)]),
      ...configNames('standalone'),
      ...[
        ...readFileSync(join(REPO, 'packages/kafka/src/settings.ts'), 'utf8').matchAll(
          /\b(KAFKA_[A-Z_]+)\b/g,
        ),
      ].map((m) => m[1]!),
    ]);
    for (const key of env.keys()) expect(read_, key).toContain(key);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile.split('\n').filter((line) => !line.trimStart().startsWith('#'));
  const instructions = lines.join('\n');

  it('builds any folder of services/, each documented, on Node 24, with the pinned pnpm', () => {
    expect(instructions).toContain('test -f "services/$SERVICE/package.json"');
    for (const name of DEPLOYABLES) {
      expect(dockerfile, `the build command of ${name}`).toMatch(
        new RegExp(`docker build --build-arg SERVICE=${name} +-t taskflow-${name}:1\\.0\\.0 \\.`),
      );
    }
    expect(DEPLOYABLES).toEqual(expect.arrayContaining([...SERVICES]));
    expect(instructions).toMatch(/ARG NODE_IMAGE=node:24[-.]/);
    expect(read('.nvmrc').trim()).toBe('24');
    expect(instructions).toContain('require("./package.json").packageManager');
    expect((JSON.parse(read('package.json')) as Obj).packageManager).toMatch(/^pnpm@10\./);
  });

  it('installs from the lockfile, builds the service with its packages, deploys it alone', () => {
    expect(instructions).toMatch(/pnpm install --frozen-lockfile/);
    expect(instructions).toContain('pnpm turbo run build --filter="@taskflow/${SERVICE}..."');
    expect(instructions).toMatch(
      /pnpm --filter="@taskflow\/\$\{SERVICE\}" deploy --prod --legacy .* \/out/,
    );
    expect(instructions).toContain(`test -f /out/${MIGRATE_CLI}`);
    expect(instructions).toContain('/out/node_modules/@taskflow/db/drizzle/*.sql');
  });

  it('runs node dist/main.js as a numeric non-root user, with no HEALTHCHECK', () => {
    const runtime = instructions.slice(instructions.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(instructions).not.toMatch(/^HEALTHCHECK/m);
    for (const service of DEPLOYABLES) {
      expect((JSON.parse(read(`services/${service}/package.json`)) as Obj).main).toBe(
        'dist/main.js',
      );
    }
  });

  it('the migrator it ships is the one packages/db builds, with the SQL beside it', () => {
    expect(existsSync(join(REPO, 'packages/db/src/migrate-cli.ts'))).toBe(true);
    expect(read('packages/db/src/migrate.ts')).toContain("new URL('../drizzle', import.meta.url)");
    expect(readdirSync(join(REPO, 'packages/db/drizzle')).some((f) => f.endsWith('.sql'))).toBe(
      true,
    );
  });

  it('.dockerignore keeps build outputs and the deployment files out of the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of [
      '.git',
      '**/node_modules',
      '**/dist',
      '**/.turbo',
      'charts',
      'docker-compose.yml',
    ]) {
      expect(ignored).toContain(entry);
    }
    for (const needed of [
      'packages',
      'services',
      'pnpm-lock.yaml',
      'package.json',
      'tsconfig.base.json',
    ]) {
      expect(ignored).not.toContain(needed);
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as Obj;
  const services = compose.services as Obj;
  const daprdVersion = /DAPR_VERSION=v([0-9.]+)/.exec(read('scripts/provision/daprd.sh'))![1];

  it('names the infrastructure, the migration, every service and its sidecar', () => {
    const expected = [
      'postgres',
      'redis',
      'kafka',
      'dapr-resources',
      'migrate',
      ...FLEET_DEPLOYABLES,
      ...SERVICES.map((name) => `${name}-dapr`),
    ];
    expect(Object.keys(services).sort()).toEqual(expected.sort());
    expect(services.postgres.image).toBe('postgres:17');
    expect(services.redis.image).toBe('redis:7');
    expect(services.kafka.image).toBe('apache/kafka:3.9.1');
  });

  it('builds each service from the Dockerfile and runs it on its port, after the migration', () => {
    for (const name of FLEET_DEPLOYABLES) {
      const service = services[name];
      expect(service.build).toEqual({ context: '.', args: { SERVICE: name } });
      expect(service.image).toBe(`taskflow-${name}:1.0.0`);
      expect(service.environment.PORT).toBe(String(configPort(name)));
      for (const variable of Object.keys(service.environment)) {
        if (INFORMATIONAL_ENV.has(variable)) continue;
        expect(configNames(name), `${name} does not read ${variable}`).toContain(variable);
      }
      if (configNames(name).has('DATABASE_URL')) {
        expect(service.environment.DATABASE_URL).toContain('@postgres:5432/');
        expect(service.depends_on.migrate).toEqual({
          condition: 'service_completed_successfully',
        });
      }
    }
    expect(services.migrate.command).toEqual(['node', MIGRATE_CLI]);
    expect(services.migrate.depends_on.postgres).toEqual({ condition: 'service_healthy' });
    // web is the one origin of the page, REST and WebSocket, as an ingress would be.
    expect(services.web.environment).toMatchObject({
      TASK_API_URL: `http://task-api:${configPort('task-api')}`,
      WS_NOTIFIER_URL: `http://ws-notifier:${configPort('ws-notifier')}`,
    });
  });

  it("gives every service a daprd of the pinned version in the service's network namespace", () => {
    for (const name of SERVICES) {
      const sidecar = services[`${name}-dapr`];
      expect(sidecar.image).toBe(`daprio/daprd:${daprdVersion}`);
      expect(sidecar.network_mode).toBe(`service:${name}`);
      expect(sidecar.volumes).toEqual(['dapr-resources:/dapr:ro']);
      expect(sidecar.command).toEqual(
        expect.arrayContaining([
          '/daprd',
          `--app-id=${name}`,
          `--app-port=${configPort(name)}`,
          '--dapr-http-port=3500',
          '--resources-path=/dapr/components/common',
          '--resources-path=/dapr/components/${TASKFLOW_STATE:-state-redis}',
          '--resources-path=/dapr/components/${TASKFLOW_PUBSUB:-pubsub-kafka}',
          '--config=/dapr/config.yaml',
        ]),
      );
      expect(sidecar.depends_on[name]).toMatchObject({ condition: 'service_started' });
    }
    expect(services['ws-notifier-dapr'].environment.POD_NAME).toBeTruthy();
  });

  it('rewrites every 127.0.0.1 address of dapr/ to a compose service, and nothing else', () => {
    const script = services['dapr-resources'].command.join('\n') as string;
    const rewrites = [...script.matchAll(/-e 's\/([^/]+)\/([^/]+)\/'/g)].map((m) => ({
      from: new RegExp(m[1]!, 'g'),
      to: m[2]!,
    }));
    expect(rewrites.length).toBeGreaterThan(0);
    for (const folder of ['common', 'state-redis', 'pubsub-kafka', 'pubsub-redis']) {
      for (const file of filesUnder(join(DAPR, 'components', folder))) {
        let text = readFileSync(file, 'utf8');
        for (const { from, to } of rewrites) text = text.replace(from, to);
        expect(text, relative(REPO, file)).not.toContain('127.0.0.1');
      }
    }
    for (const { to } of rewrites) {
      expect(Object.keys(services)).toContain(to.split(':')[0]);
    }
  });
});

describe('k8s/', () => {
  it('ingress.yaml routes /api to task-api and /ws to ws-notifier, with long proxy timeouts', () => {
    const ingress = parse(read('k8s/ingress.yaml')) as Obj;
    const values = valuesOf('default');
    expect(ingress.kind).toBe('Ingress');
    const paths = ingress.spec.rules[0].http.paths as Obj[];
    const route = (path: string) => paths.find((p) => p.path === path)?.backend.service;
    expect(route('/')).toEqual({ name: 'web', port: { number: values.services.web.port } });
    expect(route('/api')).toEqual({
      name: 'task-api',
      port: { number: values.services['task-api'].port },
    });
    expect(route('/ws')).toEqual({
      name: 'ws-notifier',
      port: { number: values.services['ws-notifier'].port },
    });
    const annotations = ingress.metadata.annotations;
    expect(
      Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']),
    ).toBeGreaterThanOrEqual(3600);
    expect(
      Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']),
    ).toBeGreaterThanOrEqual(3600);
    expect(ingress.metadata.namespace).toBe(
      (parse(read('k8s/namespace.yaml')) as Obj).metadata.name,
    );
  });
});
