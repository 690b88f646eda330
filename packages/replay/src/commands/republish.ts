import { countEventsToRepublish, type RepublishFilter } from '@taskflow/db';
import type { Command } from '../args.ts';
import { publishEnv } from '../env.ts';
import { EXIT, UsageError } from '../errors.ts';
import {
  formatCount,
  formatDuration,
  ratePerSecond,
  republishProgressLine,
  throttled,
} from '../progress.ts';
import { republish, RepublishError } from '../republish.ts';
import {
  argsMismatch,
  readResumeState,
  writeResumeState,
  type ResumeState,
} from '../resume-file.ts';
import { openDatabase, type Io } from './io.ts';
import { openPublisher } from './publisher.ts';
import { resolveWindow } from './window.ts';

type RepublishCommand = Extract<Command, { command: 'republish' }>;

/**
 * `replay republish`: resolves the window (or takes it from the resume file), then publishes it
 * through the services' broker (publisher.ts), saving the last seq done after every batch.
 */
export async function runRepublish(
  command: RepublishCommand,
  io: Io,
  signal: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const config = publishEnv(env);
  const args = {
    since: command.since.text,
    user: command.userId ?? null,
    topic: command.topic ?? null,
  };
  const saved = command.resumeFile ? readResumeState(command.resumeFile) : undefined;
  if (saved) {
    const mismatch = argsMismatch(saved, args);
    if (mismatch) throw new UsageError(`--resume-file ${command.resumeFile}: ${mismatch}`);
    if (saved.finished) {
      io.out(
        `replay republish: nothing to do, ${command.resumeFile} records a finished run ` +
          `(${formatCount(saved.done)} events, last seq ${saved.last_seq}); remove it to run again`,
      );
      return EXIT.ok;
    }
  }
  const database = await openDatabase(config.DATABASE_URL);
  try {
    const scope = { userId: command.userId, topic: command.topic };
    const filter = saved
      ? filterOf(saved, scope)
      : await resolveWindow(database.db, command.since, scope);
    let state: ResumeState = saved ?? newState(args, filter);
    if (command.dryRun) {
      const left = await countEventsToRepublish(database.db, filter, state.last_seq);
      io.out(
        `replay republish --dry-run: ${formatCount(left)} events to publish again ` +
          `(seq ${Math.max(filter.fromSeq, state.last_seq + 1)} to ${filter.toSeq}); nothing sent`,
      );
      return EXIT.ok;
    }
    const { publisher, close } = await openPublisher(config, env);
    const save = (next: ResumeState) => {
      state = next;
      if (command.resumeFile) writeResumeState(command.resumeFile, state);
    };
    save(state);
    if (saved)
      io.err(
        `replay republish: resuming after seq ${saved.last_seq} (${formatCount(saved.done)} done before)`,
      );
    const progress = throttled(1_000, (line: string) => io.err(line));
    const doneBefore = state.done;
    try {
      const result = await republish({
        database,
        publisher,
        filter,
        afterSeq: state.last_seq,
        rate: command.rate,
        batchSize: command.batchSize,
        signal,
        onBatch(p) {
          save({
            ...state,
            last_seq: p.lastSeq,
            last_event_id: p.lastEventId,
            done: doneBefore + p.done,
            updated_at: new Date().toISOString(),
          });
          progress(republishProgressLine(p));
        },
      });
      if (result.done > 0) progress(republishProgressLine(result), true);
      if (result.stopped) {
        io.err(
          `replay republish: stopped after seq ${state.last_seq}. ${howToContinue(command, state)}`,
        );
        return EXIT.stopped;
      }
      save({ ...state, finished: true, updated_at: new Date().toISOString() });
      io.out(
        `replay republish: published ${formatCount(result.done)} events again in ${formatDuration(result.elapsedMs)} ` +
          `(${formatCount(ratePerSecond(result.done, result.elapsedMs))} events/s); ` +
          `last seq ${state.last_seq}${state.last_event_id ? `, last event ${state.last_event_id}` : ''}`,
      );
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof RepublishError)) throw error;
      io.err(
        `replay republish: ${error.message}. Everything up to seq ${state.last_seq} is out. ${howToContinue(command, state)}`,
      );
      return EXIT.failed;
    } finally {
      await close();
    }
  } finally {
    await database.close();
  }
}

function newState(args: ResumeState['args'], filter: RepublishFilter): ResumeState {
  return {
    version: 1,
    args,
    from_seq: filter.fromSeq,
    to_seq: filter.toSeq,
    occurred_from: filter.occurredFrom?.toISOString() ?? null,
    last_seq: 0,
    last_event_id: null,
    done: 0,
    finished: false,
    updated_at: new Date().toISOString(),
  };
}

function filterOf(
  state: ResumeState,
  scope: { userId: string | undefined; topic: string | undefined },
): RepublishFilter {
  return {
    fromSeq: state.from_seq,
    toSeq: state.to_seq,
    occurredFrom: state.occurred_from === null ? undefined : new Date(state.occurred_from),
    ...scope,
  };
}

function howToContinue(command: RepublishCommand, state: ResumeState): string {
  if (command.resumeFile) return `Run the same command again to continue (${command.resumeFile}).`;
  if (!state.last_event_id) return 'Nothing was published; run the same command again.';
  const scope = [
    command.userId ? `--user ${command.userId}` : '',
    command.topic ? `--topic ${command.topic}` : '',
  ].join(' ');
  return `To continue: pnpm replay republish --since ${state.last_event_id} ${scope}`.trim();
}
