import type { Command } from '../args.ts';
import { describeDifference, differenceJson, DIFFERENCE_KINDS } from '../differences.ts';
import { databaseEnv } from '../env.ts';
import { EXIT } from '../errors.ts';
import { formatCount, formatDuration, ratePerSecond, throttled } from '../progress.ts';
import { verifyStore, type VerifyProgress, type VerifySummary } from '../verify.ts';
import { openDatabase, type Io } from './io.ts';

type VerifyCommand = Extract<Command, { command: 'verify' }>;

/** `replay verify`: every difference on stdout as found, then the summary; exit 1 on any. */
export async function runVerify(
  command: VerifyCommand,
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const database = await openDatabase(databaseEnv(env).DATABASE_URL);
  try {
    const progress = throttled(5_000, (p: VerifyProgress) =>
      io.err(
        `verify: ${counted(p.events, 'event')} read, ${counted(p.tasks, 'task')} and ` +
          `${counted(p.projects, 'project')} compared so far, ` +
          `${counted(p.rowsScanned, 'row')} scanned, ${counted(p.differences, 'difference')}, ` +
          `${formatCount(ratePerSecond(p.events, p.elapsedMs))} events/s`,
      ),
    );
    const summary = await verifyStore(database, {
      userId: command.userId,
      batchSize: command.batchSize,
      onDifference: (d) => io.out(command.json ? differenceJson(d) : describeDifference(d)),
      onProgress: (p) => progress(p),
    });
    for (const line of command.json
      ? [summaryJson(summary)]
      : summaryLines(summary, command.userId)) {
      io.out(line);
    }
    return totalDifferences(summary) > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await database.close();
  }
}

const totalDifferences = (summary: VerifySummary) =>
  Object.values(summary.differences).reduce((a, b) => a + b, 0);

function summaryLines(s: VerifySummary, userId: string | undefined): string[] {
  const scope = userId === undefined ? 'the event store' : `user ${userId}'s events`;
  const { tasks, projects } = s;
  const total = totalDifferences(s);
  const kinds = DIFFERENCE_KINDS.filter((kind) => s.differences[kind] > 0)
    .map((kind) => `${formatCount(s.differences[kind])} ${kind}`)
    .join(', ');
  const events = tasks.events + projects.events;
  const of = (counts: typeof tasks, noun: string) =>
    `${formatCount(counts.events)} ${noun} events of ${formatCount(counts.folded)} ${noun}s ` +
    `(${formatCount(counts.live)} live, ${formatCount(counts.deleted)} deleted)`;
  // Scripts match the last line of a run with task differences only: it stays as it was.
  const where =
    projects.differences === 0 ? '' : `; ${formatCount(projects.differences)} about projects`;
  return [
    `replay verify: folded ${scope}: ${of(tasks, 'task')} and ${of(projects, 'project')}; ` +
      `compared ${counted(tasks.rowsCompared, 'task row')}, ` +
      `${counted(projects.rowsCompared, 'project row')} and ` +
      `${counted(projects.membersCompared, 'member')}, scanned ` +
      `${counted(tasks.rowsScanned + projects.rowsScanned, 'row')}; ` +
      `${formatDuration(s.elapsedMs)} (${formatCount(ratePerSecond(events, s.elapsedMs))} events/s)`,
    total === 0
      ? 'no differences: the tasks table is what the events say, and so are projects and their members'
      : `${formatCount(total)} difference${total === 1 ? '' : 's'} (${kinds}${where})`,
  ];
}

/**
 * The tasks' counts stay at the top, as before projects (tools read `events` and `tasks`); the
 * projects' are beside them.
 */
function summaryJson(s: VerifySummary): string {
  const { tasks, projects } = s;
  return JSON.stringify({
    summary: {
      events: tasks.events,
      tasks: tasks.folded,
      live: tasks.live,
      deleted: tasks.deleted,
      rows_compared: tasks.rowsCompared,
      rows_scanned: tasks.rowsScanned,
      projects: {
        events: projects.events,
        folded: projects.folded,
        live: projects.live,
        deleted: projects.deleted,
        rows_compared: projects.rowsCompared,
        members_compared: projects.membersCompared,
        rows_scanned: projects.rowsScanned,
      },
      differences: s.differences,
      elapsed_ms: Math.round(s.elapsedMs),
    },
  });
}

/** "1 row", "2 rows". */
const counted = (n: number, noun: string) => `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
