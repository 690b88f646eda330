// The local fleet, started by scripts/dev.sh (which provisions and migrates first).
// Every process's output is prefixed with its name; Ctrl-C stops them all.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { signDevToken } from '@taskflow/service-kit';
import { DEV_JWT_SECRET } from './dev-secret.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('dev.ts: DATABASE_URL is not set; run scripts/dev.sh');

const common = {
  AUTH_JWT_SECRET: DEV_JWT_SECRET,
  DATABASE_URL: databaseUrl,
  ENVIRONMENT: 'local',
  LOG_LEVEL: 'info',
};
const processes: ChildProcess[] = [];

function start(name: string, command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${prefix}exited (${signal ?? code}); stopping the fleet`);
      void stop(1);
    }
  });
  processes.push(child);
}

let stopping = false;
async function stop(code: number) {
  stopping = true;
  for (const child of processes) child.kill('SIGTERM');
  await Promise.all(
    processes.map((child) => child.exitCode !== null || new Promise((r) => child.once('exit', r))),
  );
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

start('task-api', process.execPath, ['services/task-api/dist/main.js'], {
  ...common,
  PORT: '8000',
});

const token = await signDevToken('dev-user', DEV_JWT_SECRET);
console.log(`
taskflow is starting:
  REST API      http://127.0.0.1:8000/api/dev-user/tasks
  API docs      http://127.0.0.1:8000/docs
  dev token     ${token}

  try:         curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/dev-user/tasks
                (TOKEN = the token printed above; \`pnpm run token <user>\` makes more)
Ctrl-C stops everything.
`);
