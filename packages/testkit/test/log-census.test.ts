import { describe, expect, it } from 'vitest';
import { startLogCensus, startProcess } from '@taskflow/testkit';

describe('log census', () => {
  it('counts every line a process prints inside the window, beyond the ring of logs()', async () => {
    // "ready", a pause in which the census starts, 1,500 lines (more than the 1,000 that logs()
    // keeps) and "done", a pause in which the census stops, then a line it must not count.
    const child = startProcess({
      name: 'printer',
      command: process.execPath,
      args: [
        '-e',
        `console.log('ready');
         setTimeout(() => {
           for (let i = 0; i < 1500; i++) console.log(i % 3 === 0 ? 'tick ' + i : 'tock ' + i);
           console.error('done');
           setTimeout(() => console.log('after'), 500);
         }, 300);`,
      ],
    });
    // stdout and stderr are two pipes: under load `done` can come in before the last stdout
    // lines and leave the ring of logs() behind them, so wait for both by every line.
    const seen = new Set<string>();
    child.onLine((line) => {
      if (line === 'done' || line === 'tock 1499') seen.add(line);
    });
    try {
      await until(() => child.logs().includes('ready'));
      const census = startLogCensus([{ name: 'printer', kind: 'service', process: child }]);
      await until(() => seen.size === 2);
      const report = census.stop();
      await child.exited;

      expect(child.logs()).toContain('after');
      expect(report.lines).toBe(1501);
      const [count] = report.counts;
      expect(count?.lines).toBe(1501);
      expect(count?.linesPerSecond).toBeCloseTo(1501 / report.seconds, 6);
      expect(count?.top).toEqual([
        { message: 'tock #', count: 1000 },
        { message: 'tick #', count: 500 },
        { message: 'done', count: 1 },
      ]);
    } finally {
      await child.stop();
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
