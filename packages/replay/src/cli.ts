#!/usr/bin/env node
// `pnpm replay <verify|republish> ...`: the operator's commands over the event store.
// See docs/operations.md for when to use which, and packages/replay/README.md for how they work.
import { parseCommand, USAGE } from './args.ts';
import { processIo } from './commands/io.ts';
import { EXIT, UnreachableError, UsageError } from './errors.ts';

async function main(argv: string[]): Promise<number> {
  try {
    const command = parseCommand(argv);
    switch (command.command) {
      case 'help':
        processIo.out(USAGE);
        return EXIT.ok;
      case 'verify': {
        // Each command loads only what it uses: verify needs no Dapr client.
        const { runVerify } = await import('./commands/verify.ts');
        return await runVerify(command, processIo);
      }
      case 'republish': {
        const { runRepublish } = await import('./commands/republish.ts');
        return await runRepublish(command, processIo, stopOnSignals());
      }
    }
  } catch (error) {
    if (error instanceof UsageError) {
      processIo.err(`replay: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (error instanceof UnreachableError) {
      processIo.err(`replay: ${error.message}`);
      return EXIT.error;
    }
    // Not exit 1, which means "differences found" / "the broker kept refusing".
    processIo.err(`replay: failed: ${explain(error)}`);
    return EXIT.error;
  }
}

/** The error's message and its causes' first (a query error: which query, then why), then the stack. */
function explain(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error; e !== undefined && messages.length < 5; e = (e as Error).cause) {
    messages.push(e instanceof Error ? e.message : String(e));
    if (!(e instanceof Error)) break;
  }
  const stack = error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return `${messages.join('\ncaused by: ')}${stack}`;
}

/** The first SIGINT / SIGTERM stops after the batch in flight; a second one exits at once. */
function stopOnSignals(): AbortSignal {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.stopped);
    processIo.err(`replay: ${signal}: stopping after the batch in flight (again to quit now)`);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

process.exitCode = await main(process.argv.slice(2));
