// `pnpm chaos`: the chaos soak (docs/operations.md). CHAOS_SECONDS and the other CHAOS_*
// variables set it; CHAOS_REPORT=<file> also writes the whole report as JSON. Exit 1 on any
// violation.
import { writeFileSync } from 'node:fs';
import { soakOptions } from '../e2e/chaos/options.ts';
import { formatReport } from '../e2e/chaos/report.ts';
import { runSoak } from '../e2e/chaos/soak.ts';

const report = await runSoak(soakOptions(process.env, (line) => console.error(line)));
console.log(formatReport(report));
if (process.env.CHAOS_REPORT) {
  writeFileSync(process.env.CHAOS_REPORT, `${JSON.stringify(report, null, 2)}\n`);
}
process.exit(report.verdict.violations.length === 0 ? 0 : 1);
