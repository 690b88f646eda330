import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from './errors.ts';

/**
 * Where a republish run stands, kept in `--resume-file` after every batch the broker took.
 * The window (from_seq..to_seq, occurred_from) is fixed by the first run: "1h" means the hour
 * before that run started, and a resumed run finishes that same job.
 */
export const ResumeState = z.object({
  version: z.literal(1),
  /** The arguments the job was started with; a resumed run must repeat them. */
  args: z.object({
    since: z.string(),
    user: z.string().nullable(),
    topic: z.string().nullable(),
  }),
  from_seq: z.int().min(1),
  to_seq: z.int().min(0),
  occurred_from: z.iso.datetime().nullable(),
  /** Every event of the window up to this seq has been published again. */
  last_seq: z.int().min(0),
  last_event_id: z.string().nullable(),
  /** Events republished by all runs of this job. */
  done: z.int().min(0),
  finished: z.boolean(),
  updated_at: z.iso.datetime(),
});
export type ResumeState = z.infer<typeof ResumeState>;

/** The saved state, or undefined when the file does not exist yet. */
export function readResumeState(path: string): ResumeState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`--resume-file ${path} cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`--resume-file ${path} is not JSON: not a file of replay republish`);
  }
  const parsed = ResumeState.safeParse(json);
  if (!parsed.success) {
    throw new UsageError(
      `--resume-file ${path} is not a file of replay republish: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

/** Replaces the file in one step (write beside, then rename): a crash never leaves half a file. */
export function writeResumeState(path: string, state: ResumeState): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, path);
}

/** Why these arguments cannot continue this saved job, or undefined when they can. */
export function argsMismatch(state: ResumeState, args: ResumeState['args']): string | undefined {
  const differing = (Object.keys(args) as Array<keyof typeof args>).filter(
    (key) => state.args[key] !== args[key],
  );
  if (differing.length === 0) return undefined;
  const saved = differing.map((key) => `--${key} ${state.args[key] ?? '(none)'}`).join(' ');
  return (
    `the resume file belongs to a run with ${saved}; repeat those arguments to continue it, ` +
    'or give another --resume-file to start a new run'
  );
}
