// A scheduler that is SIGKILLed mid-transaction (test/tick.test.ts starts it): it claims the due
// series and inserts their instances exactly as a tick does, says so, and never commits.
import { claimDueSeries, connect, insertInstances, toTask } from '@taskflow/db';
import { planSpawn, storedSeries } from '../src/series/occurrence.ts';
import { buildSpawn } from '../src/series/spawn.ts';

const [url, nowText] = process.argv.slice(2);
if (!url || !nowText) throw new Error('usage: victim.ts <database url> <now>');
const now = new Date(nowText);
const database = connect(url, { max: 1, applicationName: 'scheduler-victim' });
setInterval(() => {}, 60_000); // stay alive until killed

await database.transaction(async (tx) => {
  const rows = await claimDueSeries(tx, now, 500);
  const spawns = rows.map((row) => {
    const series = toTask(row);
    return buildSpawn(
      series,
      planSpawn(storedSeries(series), 'schedule', row.nextOccurrence!, now),
      now,
    );
  });
  await insertInstances(
    tx,
    spawns.map((spawn) => spawn.instance),
  );
  process.stdout.write(`claimed ${rows.length}\n`);
  await new Promise(() => {});
});
