import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { channelDeliveries, findChannel } from '@taskflow/db';
import { startApi } from './api.ts';

const run = promisify(execFile);
const SCHEMATHESIS = process.env.SCHEMATHESIS;
const CONFIG = fileURLToPath(new URL('../schemathesis.toml', import.meta.url));
const HOOKS = fileURLToPath(new URL('./schemathesis-hooks.py', import.meta.url));
// Every phase: the schema's examples, its boundaries (coverage), random data, then sequences
// that follow the OpenAPI links from a create to the operations that take its id.
const PHASES = ['examples', 'coverage', 'fuzzing', 'stateful'];
// One seed, so a failure in CI is the same failure on a laptop; SCHEMATHESIS_SEED explores others.
const SEED = process.env.SCHEMATHESIS_SEED ?? '20261203';

if (!SCHEMATHESIS) {
  throw new Error(
    'SCHEMATHESIS is not set: run `eval "$(bash scripts/provision/all.sh)"` (it installs the pinned schemathesis)',
  );
}

// Every name resolves to a public address: webhook channels can be added (the machine has no DNS
// for the internet), while literal private addresses are still refused.
const api = await startApi(undefined, {
  outbound: { lookup: async () => [{ address: '93.184.216.34', family: 4 }] },
});
await api.app.listen({ host: '127.0.0.1', port: 0 });
const address = api.app.server.address();
if (!address || typeof address === 'string') throw new Error('task-api is not listening on TCP');
const reports = await mkdtemp(join(tmpdir(), 'schemathesis-'));
const HAR = join(reports, 'run.har');
// SCHEMATHESIS_KEEP=1 keeps the run's HAR file (every request and answer) for a look afterwards.
afterAll(async () => {
  if (process.env.SCHEMATHESIS_KEEP) console.log(`schemathesis kept ${HAR}`);
  else await rm(reports, { recursive: true, force: true });
});

describe('task-api against its own OpenAPI document', () => {
  it(
    'passes every schemathesis check in every phase, its warnings counted as failures',
    async () => {
      const user = await api.newUser();
      const records = await recordsFor(user);
      await copyFile(CONFIG, join(reports, 'schemathesis.toml'));
      const result = await run(
        SCHEMATHESIS,
        [
          '--no-color',
          '--config-file',
          join(reports, 'schemathesis.toml'),
          'run',
          `http://127.0.0.1:${address.port}/docs/json`,
          '--checks',
          'all',
          '--phases',
          PHASES.join(','),
          '--seed',
          SEED,
          '--report',
          'har',
          '--report-har-path',
          HAR,
          ...(process.env.SCHEMATHESIS_ARGS ? process.env.SCHEMATHESIS_ARGS.split(' ') : []),
        ],
        {
          cwd: reports,
          env: {
            ...process.env,
            ...records,
            ST_USER: user.id,
            ST_TOKEN: user.token,
            SCHEMATHESIS_HOOKS: HOOKS,
          },
          maxBuffer: 64 * 1024 * 1024,
        },
      ).catch((error: { code?: number; stdout?: string; stderr?: string }) => error);
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
      // The whole report on failure: it names the operation, the request and the check.
      expect('code' in result ? result.code : 0, output).toBe(0);
      for (const phase of ['Examples', 'Coverage', 'Fuzzing', 'Stateful']) {
        expect(output, phase).toMatch(new RegExp(`${phase}\\s.*\\(in `));
      }
      // A passing run proves little if an operation only ever answered 4xx: each must have
      // done its work at least once.
      expect(await operationsServed()).toEqual(await operationIds());
    },
    15 * 60_000,
  );
});

/** The records schemathesis.toml names, each for the operations that need one to exist. */
async function recordsFor(user: { id: string; token: string }): Promise<Record<string, string>> {
  const post = async (url: string, body: unknown) => {
    const response = await api.call('POST', `/api/${user.id}${url}`, { token: user.token, body });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(201);
    return (response.json() as { id: string }).id;
  };
  // Far ahead, so reminders relative to it are in the future for as long as this test lives.
  const task = (title: string) => post('/tasks', { title, due_date: '2999-01-01T09:00:00Z' });
  // Dictionaries in libFuzzer's format, one quoted value per line, beside the config's copy.
  const dictionary = (name: string, values: string[]) =>
    writeFile(join(reports, `${name}.dict`), values.map((value) => `"${value}"\n`).join(''));

  // Creates spread over many tasks: a task holds at most 100 reminders.
  const forReminders = [];
  for (let i = 0; i < 30; i++) forReminders.push(await task(`takes reminders ${i}`));
  await dictionary('tasks-for-reminders', forReminders);
  // A full task whose reminders are there to be read, listed and deleted, one each time.
  const withReminders = await task('has reminders');
  const reminders = [];
  for (let minutes = 1; minutes <= 100; minutes++) {
    reminders.push(await post(`/tasks/${withReminders}/reminders`, { minutes_before: minutes }));
  }
  await dictionary('reminders-to-delete', reminders.slice(1));
  // A project of the user's with a member to change and remove (and add again).
  const project = await post('/projects', { name: 'shared' });
  const member = 'st-member';
  const put = await api.call('PUT', `/api/${user.id}/projects/${project}/members/${member}`, {
    token: user.token,
    body: { role: 'viewer' },
  });
  expect(put.statusCode, put.body).toBe(201);
  // Channels: an email (unverified: its verification can be sent again), a webhook (its secret
  // rotated), a few to delete; and, of another user, the tokens of the links in emails.
  const channel = (owner: { id: string; token: string }, body: unknown) =>
    api.call('POST', `/api/${owner.id}/channels`, { token: owner.token, body }).then((response) => {
      expect(response.statusCode, response.body).toBe(201);
      return (response.json() as { id: string }).id;
    });
  const email = (owner: { id: string; token: string }) =>
    channel(owner, { kind: 'email', address: `${randomUUID()}@example.com` });
  const emailChannel = await email(user);
  const webhook = await channel(user, { kind: 'webhook', address: 'https://hooks.example.com/t' });
  const toDelete = [];
  // Fuzzing deletes about twenty; a user holds at most twenty.
  for (let i = 0; i < 12; i++) toDelete.push(await email(user));
  await dictionary('channels-to-delete', toDelete);
  const other = await api.newUser();
  const verifyTokens = [];
  const unsubscribeTokens = [];
  for (let i = 0; i < 10; i++) {
    const id = await email(other);
    const [verification] = await channelDeliveries(api.database.db, id);
    verifyTokens.push((verification!.payload as { token: string }).token);
    unsubscribeTokens.push((await findChannel(api.database.db, other.id, id))!.unsubscribeToken!);
  }
  await dictionary('verify-tokens', verifyTokens);
  await dictionary('unsubscribe-tokens', unsubscribeTokens);
  return {
    ST_EMAIL_CHANNEL: emailChannel,
    ST_WEBHOOK_CHANNEL: webhook,
    ST_TASK_FOR_CHANNELS: await task('has a channel choice'),
    ST_PROJECT: project,
    ST_MEMBER: member,
    ST_TASK_WITH_REMINDERS: withReminders,
    ST_REMINDER: reminders[0]!,
    ST_TASK_FOR_SERIES: await task('becomes a series'),
    ST_SERIES: await post('/tasks', {
      title: 'a series',
      recurrence: { rule: 'FREQ=DAILY', time_zone: 'UTC' },
    }),
  };
}

interface Operation {
  operationId: string;
}

async function openApi(): Promise<Record<string, Record<string, Operation>>> {
  return (await api.call('GET', '/docs/json')).json().paths;
}

async function operationIds(): Promise<string[]> {
  const paths = await openApi();
  return Object.values(paths)
    .flatMap((methods) => Object.values(methods).map((operation) => operation.operationId))
    .sort();
}

/** The operations the run's HAR file shows answered with a 2xx. */
async function operationsServed(): Promise<string[]> {
  const paths = await openApi();
  // Literal segments before parameters, so `/tasks/recurring` is not taken for `/tasks/{id}`.
  const templates = Object.entries(paths)
    .map(([template, methods]) => ({
      pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
      parameters: template.split('{').length,
      methods,
    }))
    .sort((a, b) => a.parameters - b.parameters);
  const har = JSON.parse(await readFile(HAR, 'utf8')) as {
    log: { entries: { request: { method: string; url: string }; response: { status: number } }[] };
  };
  const served = new Set<string>();
  for (const { request, response } of har.log.entries) {
    if (response.status < 200 || response.status > 299) continue;
    const path = new URL(request.url).pathname;
    const template = templates.find(({ pattern }) => pattern.test(path));
    const operation = template?.methods[request.method.toLowerCase()];
    if (operation) served.add(operation.operationId);
  }
  return [...served].sort();
}
