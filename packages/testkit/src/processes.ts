import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface StartProcessOptions {
  /** Label for messages: "daprd task-api", "redis :6380". */
  name: string;
  command: string;
  args?: string[];
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How many of the last output lines to keep (stdout and stderr together). */
  logLines?: number;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** undefined while it runs. */
  exitStatus(): ProcessExit | undefined;
  /** The last `logLines` lines it printed, for a failing test's message. */
  logs(): string;
  /**
   * Calls `listener` with every complete line printed from now on (stdout and stderr), however
   * many: the ring of `logs()` keeps only the last ones. Returns the unsubscribe function.
   */
  onLine(listener: (line: string) => void): () => void;
  /** SIGTERM, then SIGKILL if it is still running after `timeoutMs` (default 5 s). */
  stop(options?: { timeoutMs?: number }): Promise<ProcessExit>;
  /** Sends a signal at once: SIGKILL (default) for a crash, SIGCONT to end a `hang()`. */
  kill(signal?: NodeJS.Signals): void;
  /**
   * SIGSTOP, resolved once the kernel reports every thread stopped: a signal is delivered
   * asynchronously, and a request sent in between may still be answered.
   */
  hang(): Promise<void>;
}

// Children still running when this process exits (a failed test run, Ctrl-C) are killed, so no
// daprd or broker outlives the test that started it.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/**
 * With TASKFLOW_TEST_LOG_DIR set, every process's whole output is also appended to
 * `<dir>/<name>.log` (restarts included), for a failure the last lines do not explain.
 */
function logFile(name: string) {
  const dir = process.env.TASKFLOW_TEST_LOG_DIR;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  return createWriteStream(join(dir, `${name.replace(/[^\w.#-]+/g, '_')}.log`), { flags: 'a' });
}

/** Linux: every task of the process is in state T (stopped) in /proc/<pid>/task/<tid>/stat. */
function allThreadsStopped(pid: number): boolean {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.every((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may itself hold any byte.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T';
  });
}

/** Starts a child process whose output goes to a ring buffer instead of the test's console. */
export function startProcess(options: StartProcessOptions): RunningProcess {
  installExitHook();
  const lines = new LineRing(options.logLines ?? 1000);
  const child = spawn(options.command, options.args ?? [], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const file = logFile(options.name);
  const keep = (chunk: string) => {
    lines.push(chunk);
    file?.write(chunk);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  child.once('exit', () => file?.end());

  let status: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', (error) => {
      // 'error' without 'exit' means it never ran; after a start it is only a failed kill.
      if (child.pid === undefined) {
        running.delete(child);
        status = { code: null, signal: null, error };
        lines.push(`[${options.name}] could not start: ${error.message}\n`);
        resolve(status);
      }
    });
    child.once('exit', (code, signal) => {
      running.delete(child);
      status = { code, signal };
      resolve(status);
    });
  });

  const send = (signal: NodeJS.Signals) => {
    if (status === undefined) child.kill(signal);
  };

  return {
    name: options.name,
    pid: child.pid,
    exited,
    exitStatus: () => status,
    logs: () => lines.text(),
    onLine: (listener) => lines.subscribe(listener),
    kill: (signal = 'SIGKILL') => send(signal),
    async hang() {
      send('SIGSTOP');
      const deadline = Date.now() + 5_000;
      while (child.pid !== undefined && !allThreadsStopped(child.pid)) {
        if (status !== undefined) throw new Error(`${options.name} exited instead of stopping`);
        if (Date.now() > deadline) throw new Error(`${options.name} did not stop within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async stop({ timeoutMs = 5_000 } = {}) {
      if (status !== undefined) return status;
      send('SIGTERM');
      send('SIGCONT'); // a SIGSTOPped process acts on the SIGTERM only once continued
      const timer = setTimeout(() => send('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Keeps the last `capacity` lines of a stream of text chunks. */
class LineRing {
  private readonly capacity: number;
  private readonly lines: string[] = [];
  private partial = '';
  private readonly listeners = new Set<(line: string) => void>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      for (const listener of this.listeners) listener(line);
      this.lines.push(line);
      if (this.lines.length > this.capacity) this.lines.shift();
    }
  }

  subscribe(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }
}
