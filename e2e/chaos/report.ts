import { countBy } from './counts.ts';
import type { SoakReport } from './soak.ts';

/** The soak's figures and verdict as an operator reads them. */
export function formatReport(report: SoakReport): string {
  const { options: o, verdict: v, workload: w } = report;
  const requests = Object.values(w.operations).reduce(
    (sum, counts) => sum + Object.values(counts).reduce((a, b) => a + b, 0),
    0,
  );
  const faultsByKind = countBy(report.faults.map((f) => f.kind));
  const recoveries = report.faults
    .filter((f) => f.readyAt !== undefined)
    .map((f) => (f.readyAt as number) - f.downAt);
  const lines = [
    `chaos soak: ${o.seconds} s on ${o.broker}, seed ${o.seed}; ${report.elapsedSeconds} s in all`,
    `  load       ${requests} requests (${(requests / o.seconds).toFixed(1)}/s, ${report.attempts} attempts) ` +
      `from ${o.users} users; ${w.series} series, ${w.reminders} reminders`,
    ...Object.entries(w.operations).map(
      ([operation, counts]) => `             ${operation.padEnd(9)} ${entries(counts)}`,
    ),
    `  events     ${entries(report.events)}`,
    `  sockets    ${report.sockets.count}; ${report.sockets.reconnects} reconnects; ` +
      `resync ${entries(report.sockets.resyncs)}; closes ${entries(report.sockets.closes)}`,
    `  delivery   ${v.delivery.required} required: ${v.delivery.live} live, ` +
      `${v.delivery.reloaded} in a reload after resync, ${v.delivery.superseded} superseded ` +
      `by a later version sent first, ${v.delivery.lost} lost`,
    `  faults     ${report.faults.length}: ${entries(faultsByKind)}; back and ready in ` +
      `median ${median(recoveries)} ms, max ${Math.max(0, ...recoveries)} ms`,
    `  503s       ${v.databaseUnavailable} while Postgres restarted (documented)`,
    `  spawns     ${v.duplicateInstances} duplicate instances; reminders fired twice: ${v.remindersFiredTwice}`,
    `  replay     ${report.replay.split('\n').at(-1)}`,
    v.violations.length === 0
      ? 'PASS: nothing lost, nothing doubled, no unexplained error, every process came back'
      : `FAIL: ${v.violations.length} kinds of violation\n- ${v.violations.join('\n- ')}`,
  ];
  return lines.join('\n');
}

const entries = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ') || 'none';

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
