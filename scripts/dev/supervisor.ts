// The dev fleet's processes: started, their output prefixed, stopped once and in order.
//
// Each child runs in a process group of its own (`detached`), so a Ctrl-C in the terminal, which
// the kernel sends to the whole foreground group, reaches only dev.ts. dev.ts then signals each
// child once: the services first (they finish in-flight work, and their relays still publish
// through the sidecars), then the sidecars. A child that got the terminal's SIGINT and then our
// SIGTERM would take the second as "exit now" (service-kit's lifecycle, daprd's fatal exit).
import { spawn, type ChildProcess } from 'node:child_process';

/** Services stop before sidecars: a draining service may still call its sidecar. */
export type Tier = 'service' | 'sidecar';

interface Child {
  name: string;
  tier: Tier;
  process: ChildProcess;
  exited: Promise<void>;
}

export class Supervisor {
  private readonly children: Child[] = [];
  private stopping = false;
  private forced = false;

  private readonly print = (line: string) => process.stdout.write(line);

  constructor() {
    // Should dev.ts itself die (an uncaught error), no detached child may outlive it.
    process.on('exit', () => {
      for (const child of this.running()) child.process.kill('SIGKILL');
    });
  }

  start(
    name: string,
    tier: Tier,
    command: string,
    args: string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
  ): void {
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) this.print(`[${name}] ${line}\n`);
      });
      stream.on('end', () => {
        if (rest) this.print(`[${name}] ${rest}\n`);
      });
    }
    // 'close', not 'exit': a child's last lines (daprd's "shutdown gracefully") may still be in
    // its pipes when it exits, and the fleet exits as soon as its children have.
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.print(`[${name}] exited (${signal ?? code}); stopping the fleet\n`);
      void this.stop(1);
    });
    this.children.push({ name, tier, process: child, exited });
  }

  /** Stops on SIGINT (Ctrl-C) and SIGTERM; a second one kills whatever still runs. */
  stopOnSignals(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.stopping) return this.force(signal);
      this.print(`dev: ${signal}: stopping the services, then the sidecars (again to force)\n`);
      void this.stop(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  /** SIGTERM to every service, wait for them all; then the same for the sidecars; then exit. */
  async stop(code: number): Promise<never> {
    this.stopping = true;
    for (const tier of ['service', 'sidecar'] as const) {
      const group = this.running().filter((child) => child.tier === tier);
      for (const child of group) child.process.kill('SIGTERM');
      await Promise.all(group.map((child) => child.exited));
    }
    process.exit(this.forced ? 1 : code);
  }

  private force(signal: NodeJS.Signals): void {
    if (this.forced) return;
    this.forced = true;
    const left = this.running();
    this.print(
      `dev: second ${signal}: killing ${left.map((c) => c.name).join(', ') || 'nothing'}\n`,
    );
    for (const child of left) child.process.kill('SIGKILL');
  }

  private running(): Child[] {
    return this.children.filter(
      (c) => c.process.exitCode === null && c.process.signalCode === null,
    );
  }
}
