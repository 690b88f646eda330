import { describe, expect, it } from 'vitest';
import { soakOptions } from './options.ts';
import { formatReport } from './report.ts';
import { runSoak } from './soak.ts';

// The short chaos soak of CI (docs/operations.md, "Chaos soak"): the same run as `pnpm chaos`,
// two minutes unless CHAOS_SECONDS says otherwise, every check of the report must hold.
describe('chaos soak', () => {
  it('loses nothing, duplicates nothing and answers only as documented while processes die', async () => {
    const options = soakOptions(process.env, (line) => console.error(line));
    const report = await runSoak(options);
    console.log(formatReport(report));

    expect(report.verdict.violations).toEqual([]);
    // A soak that never reached a kind of fault proved nothing about it.
    const kinds = new Set(report.faults.map((fault) => fault.kind));
    expect([...kinds].sort()).toEqual(['broker', 'postgres', 'service', 'sidecar']);
    expect(report.verdict.delivery.required).toBeGreaterThan(0);
  });
});
