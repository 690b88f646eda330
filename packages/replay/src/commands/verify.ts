import type { Command } from '../args.ts';
import { describeDifference, differenceJson, DIFFERENCE_KINDS } from '../differences.ts';
import { databaseEnv } from '../env.ts';
import { EXIT } from '../errors.ts';
import { formatCount, formatDuration, ratePerSecond, throttled } from '../progress.ts';
import { verifyTasks, type VerifyProgress, type VerifySummary } from '../verify.ts';
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
        `verify: ${formatCount(p.events)} events, ${formatCount(p.tasks)} tasks, ` +
          `${formatCount(p.rowsScanned)} rows scanned, ${formatCount(p.differences)} differences, ` +
          `${formatCount(ratePerSecond(p.events, p.elapsedMs))} events/s`,
      ),
    );
    const summary = await verifyTasks(database, {
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
  const total = totalDifferences(s);
  const kinds = DIFFERENCE_KINDS.filter((kind) => s.differences[kind] > 0)
    .map((kind) => `${formatCount(s.differences[kind])} ${kind}`)
    .join(', ');
  return [
    `replay verify: folded ${scope}: ${formatCount(s.events)} task events of ${formatCount(s.tasks)} tasks ` +
      `(${formatCount(s.live)} live, ${formatCount(s.deleted)} deleted); compared ${formatCount(s.rowsCompared)} rows, ` +
      `scanned ${formatCount(s.rowsScanned)}; ${formatDuration(s.elapsedMs)} ` +
      `(${formatCount(ratePerSecond(s.events, s.elapsedMs))} events/s)`,
    total === 0
      ? 'no differences: the tasks table is what the events say'
      : `${formatCount(total)} difference${total === 1 ? '' : 's'} (${kinds})`,
  ];
}

function summaryJson(s: VerifySummary): string {
  return JSON.stringify({
    summary: {
      events: s.events,
      tasks: s.tasks,
      live: s.live,
      deleted: s.deleted,
      rows_compared: s.rowsCompared,
      rows_scanned: s.rowsScanned,
      differences: s.differences,
      elapsed_ms: Math.round(s.elapsedMs),
    },
  });
}
