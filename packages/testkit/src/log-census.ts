import type { FleetMember } from './fleet.ts';

/** What one process printed during a census window. */
export interface CensusCount {
  name: string;
  kind: FleetMember['kind'];
  lines: number;
  linesPerSecond: number;
  /** Its most repeated messages (see `messageOf`), most frequent first. */
  top: Array<{ message: string; count: number }>;
}

export interface CensusReport {
  seconds: number;
  counts: CensusCount[];
  lines: number;
  linesPerSecond: number;
}

export interface LogCensus {
  /** Ends the window and counts it. */
  stop(): CensusReport;
}

/**
 * Counts every line each member prints from now until `stop()`: all of them, not the ring that
 * `logs()` keeps. A member restarted during the window is counted only up to its restart.
 */
export function startLogCensus(members: FleetMember[], options: { top?: number } = {}): LogCensus {
  const started = performance.now();
  const tallies = members.map((member) => {
    const messages = new Map<string, number>();
    let lines = 0;
    const unsubscribe = member.process.onLine((line) => {
      if (line.trim() === '') return;
      lines++;
      const message = messageOf(line);
      messages.set(message, (messages.get(message) ?? 0) + 1);
    });
    return { member, messages, lines: () => lines, unsubscribe };
  });
  return {
    stop() {
      const seconds = (performance.now() - started) / 1000;
      const counts = tallies.map(({ member, messages, lines, unsubscribe }) => {
        unsubscribe();
        const top = [...messages]
          .map(([message, count]) => ({ message, count }))
          .sort((a, b) => b.count - a.count)
          .slice(0, options.top ?? 3);
        return {
          name: member.name,
          kind: member.kind,
          lines: lines(),
          linesPerSecond: lines() / seconds,
          top,
        };
      });
      const total = counts.reduce((sum, count) => sum + count.lines, 0);
      return { seconds, counts, lines: total, linesPerSecond: total / seconds };
    },
  };
}

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * A line's level and message, with every run of digits masked as `#`, so that the same message
 * about another port, id or count is counted as one: `error: redis streams: error reading from
 * stream tasks.events: dial tcp #.#.#.#:#: connect: connection refused`. Understands daprd's
 * logfmt (`level=error msg="..."`) and the services' pino JSON; any other line is taken whole.
 */
export function messageOf(line: string): string {
  const mask = (text: string) => text.replace(/\d+/g, '#');
  if (line.startsWith('{')) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: unknown };
      if (typeof entry.msg === 'string') {
        const level = PINO_LEVELS[entry.level ?? 0] ?? String(entry.level);
        return mask(`${level}: ${entry.msg}`);
      }
    } catch {
      // not JSON after all: counted whole below
    }
  }
  const msg = /(?:^|\s)msg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (msg?.[1] !== undefined) {
    const level = /(?:^|\s)level=(\w+)/.exec(line)?.[1] ?? 'unknown';
    return mask(`${level}: ${msg[1].replace(/\\(.)/g, '$1')}`);
  }
  return mask(line.trim());
}

/** The report as a table: a row per member, its top messages under it. */
export function formatCensus(report: CensusReport): string {
  const rows = [...report.counts].sort((a, b) => b.lines - a.lines);
  const width = Math.max(...rows.map((row) => row.name.length), 'whole fleet'.length);
  const out = [
    `${'process'.padEnd(width)}  ${'lines'.padStart(6)}  ${'lines/s'.padStart(8)}`,
    ...rows.flatMap((row) => [
      `${row.name.padEnd(width)}  ${String(row.lines).padStart(6)}  ${row.linesPerSecond.toFixed(2).padStart(8)}`,
      ...row.top.map(({ message, count }) => `    ${String(count).padStart(5)} x ${message}`),
    ]),
    `${'whole fleet'.padEnd(width)}  ${String(report.lines).padStart(6)}  ${report.linesPerSecond.toFixed(2).padStart(8)}`,
  ];
  return out.join('\n');
}
