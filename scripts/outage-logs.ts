// `pnpm outage:logs [redis|kafka]`: what the fleet's logs look like while the broker is down.
// Starts the fleet (every service once, each with its daprd, on the given broker), counts every
// log line per process for BASELINE_SECONDS (10) of normal running, then kills the broker for
// OUTAGE_SECONDS (30) while a user creates a task a second, then starts it again and counts
// until the outbox has published everything written meanwhile, RECOVERY_SECONDS (10) at least.
// Prints, per window, lines/s per service and sidecar with their most repeated messages. Kafka is
// the shared local broker of scripts/provision/kafka.sh: run this when no test uses it.
import { connect as connectDatabase, outboxLagSeconds } from '@taskflow/db';
import { signDevToken } from '@taskflow/service-kit';
import {
  FLEET_JWT_SECRET,
  formatCensus,
  startFleet,
  startLogCensus,
  type Broker,
  type CensusReport,
  type Fleet,
} from '@taskflow/testkit';

const broker = process.argv[2] ?? 'redis';
if (broker !== 'redis' && broker !== 'kafka') {
  console.error(`usage: pnpm outage:logs [redis|kafka] (not ${broker})`);
  process.exit(2);
}
const baselineSeconds = Number(process.env.BASELINE_SECONDS ?? 10);
const outageSeconds = Number(process.env.OUTAGE_SECONDS ?? 30);
const recoverySeconds = Number(process.env.RECOVERY_SECONDS ?? 10);
const RECOVERY_LIMIT_MS = 180_000;

const fleet = await startFleet({
  broker: broker as Broker,
  replicas: { 'task-api': 1, 'ws-notifier': 1, scheduler: 1, 'reminder-worker': 1 },
});
const database = connectDatabase(fleet.database.url, { max: 1 });
// Set while the broker is down: a failure then must not leave the shared Kafka dead.
let brokerDown = false;
try {
  const user = `outage-${Date.now().toString(36)}`;
  const token = await signDevToken(user, FLEET_JWT_SECRET);
  const create = async (title: string) => {
    const response = await fetch(`${fleet.api}/api/${user}/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title }),
    });
    if (response.status !== 201) throw new Error(`create answered ${response.status}`);
  };
  await create('before the outage');
  await waitForEmptyOutbox(RECOVERY_LIMIT_MS);

  const baseline = await window(fleet, async () => {
    await sleep(baselineSeconds * 1000);
  });

  let created = 0;
  const outage = await window(fleet, async () => {
    brokerDown = true;
    await fleet.brokerControl.kill();
    const end = Date.now() + outageSeconds * 1000;
    while (Date.now() < end) {
      await create(`during the outage #${created++}`);
      await sleep(1000);
    }
  });

  let restartSeconds = 0;
  let drainSeconds = 0;
  const recovery = await window(fleet, async () => {
    const started = performance.now();
    await fleet.brokerControl.start();
    brokerDown = false;
    restartSeconds = (performance.now() - started) / 1000;
    await waitForEmptyOutbox(RECOVERY_LIMIT_MS);
    drainSeconds = (performance.now() - started) / 1000 - restartSeconds;
    // Long enough to see what the fleet logs once it works again, however fast that was.
    await sleep(Math.max(0, recoverySeconds * 1000 - (performance.now() - started)));
  });

  const section = (title: string, report: CensusReport) =>
    `## ${title} (${report.seconds.toFixed(1)} s)\n\n${formatCensus(report)}\n`;
  console.log(
    [
      `# log lines per process, broker ${broker}`,
      '',
      section('normal running', baseline),
      section(`broker down (${created} tasks created meanwhile, all answered 201)`, outage),
      section(
        `after the restart: broker up in ${restartSeconds.toFixed(1)} s, ` +
          `outbox empty ${drainSeconds.toFixed(1)} s after that`,
        recovery,
      ),
    ].join('\n'),
  );

  async function waitForEmptyOutbox(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await outboxLagSeconds(database.db)) > 0) {
      if (Date.now() > deadline) {
        throw new Error(`the outbox was not empty within ${timeoutMs} ms:\n${fleet.logs()}`);
      }
      await sleep(100);
    }
  }
} finally {
  if (brokerDown) await fleet.brokerControl.start();
  await database.close();
  await fleet.stop();
}

async function window(fleet: Fleet, during: () => Promise<void>): Promise<CensusReport> {
  const census = startLogCensus(fleet.members());
  let report: CensusReport;
  try {
    await during();
  } finally {
    report = census.stop();
  }
  return report;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
