import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with each project's wall time (from its first file queued to its last file done,
 * fleet start-ups included: what a CI run spends on it), then one plain line,
 * `N passed, N failed`, that any CI reads the same way, whatever test runner it knows.
 */
export default class SummaryReporter implements Reporter {
  readonly #spans = new Map<string, { first: number; last: number; files: number }>();

  onTestModuleQueued(module: TestModule): void {
    const name = module.project.name;
    if (!this.#spans.has(name)) this.#spans.set(name, { first: Date.now(), last: 0, files: 0 });
  }

  onTestModuleEnd(module: TestModule): void {
    const span = this.#spans.get(module.project.name);
    if (!span) return;
    span.last = Date.now();
    span.files++;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++;
    }
    const spans = [...this.#spans].filter(([, span]) => span.files > 0);
    if (spans.length > 1) {
      const width = Math.max(...spans.map(([name]) => name.length));
      process.stdout.write('\nwall time per project (projects of one group overlap):\n');
      for (const [name, span] of spans.sort(([, a], [, b]) => a.first - b.first)) {
        const seconds = ((span.last - span.first) / 1000).toFixed(0);
        process.stdout.write(
          `  ${name.padEnd(width)}  ${seconds.padStart(5)} s, ${span.files} file${span.files === 1 ? '' : 's'}\n`,
        );
      }
    }
    process.stdout.write(
      `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
