import { beforeAll, describe, expect, it } from 'vitest';
import { formatCensus, startLogCensus, type CensusReport } from '@taskflow/testkit';
import {
  eventually,
  fleetForFile,
  newUser,
  printLogsOnFailure,
  waitUntilDelivering,
} from './harness.ts';

// What an operator reads while the broker is down (docs/operations.md, "Broker outages"): each
// sidecar retries with backoff instead of logging every failed read (the Redis components used
// to log about 12 lines a second per subscribed topic), and the outbox relay says once that the
// broker is gone and once that it is back, not once per attempt.
const OUTAGE_MS = 20_000;
const SIDECAR_LINES_PER_SECOND = 5;
const SERVICE_LINES_PER_SECOND = 1;

const fleet = await fleetForFile({
  'task-api': 1,
  'ws-notifier': 1,
  scheduler: 1,
  'reminder-worker': 1,
});
beforeAll(() => waitUntilDelivering(fleet), 120_000);

/**
 * The outbox relay's messages (pino `msg`) each service logs from now on, by service. Every
 * service with a relay claims from the same `events` table, so any of them may meet the outage.
 */
function relayMessages(): Map<string, string[]> {
  const byService = new Map<string, string[]>();
  for (const member of fleet.members().filter((m) => m.kind === 'service')) {
    const messages: string[] = [];
    byService.set(member.name, messages);
    member.process.onLine((line) => {
      if (!line.startsWith('{')) return;
      const { msg } = JSON.parse(line) as { msg?: unknown };
      if (typeof msg === 'string' && msg.startsWith('outbox relay:')) messages.push(msg);
    });
  }
  return byService;
}

const UNREACHABLE = 'outbox relay: broker unreachable';
const BACK = /^outbox relay: broker is back: (\d+) events published$/;

describe(`logs during a broker outage (${fleet.broker})`, () => {
  it(`each sidecar logs under ${SIDECAR_LINES_PER_SECOND} lines/s, each service under ${SERVICE_LINES_PER_SECOND}; the relay reports the outage once and its end once`, async () => {
    printLogsOnFailure(fleet);
    const user = await newUser(fleet);
    const relay = relayMessages();

    const census = startLogCensus(fleet.members());
    let report: CensusReport;
    let during: Array<[string, string[]]>;
    let created = 0;
    await fleet.brokerControl.kill();
    try {
      const end = Date.now() + OUTAGE_MS;
      while (Date.now() < end) {
        const { status } = await user.call('POST', '/tasks', { title: `outage #${created}` });
        expect(status).toBe(201);
        created++;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } finally {
      report = census.stop();
      during = [...relay].map(([name, messages]) => [name, [...messages]]);
      await fleet.brokerControl.start();
    }

    const table = formatCensus(report);
    expect(report.counts.filter((count) => count.kind === 'sidecar')).toHaveLength(4);
    for (const count of report.counts) {
      const bound = count.kind === 'sidecar' ? SIDECAR_LINES_PER_SECOND : SERVICE_LINES_PER_SECOND;
      expect(count.linesPerSecond, `${count.name}\n${table}`).toBeLessThan(bound);
    }
    // Each relay that met the outage (some relay did: tasks were written) said so once, and
    // nothing more while it lasted.
    const met = during.filter(([, messages]) => messages.length > 0).map(([name]) => name);
    expect(created).toBeGreaterThan(0);
    expect(met.length, table).toBeGreaterThan(0);
    for (const [name, messages] of during.filter(([n]) => met.includes(n))) {
      expect(messages, name).toEqual([expect.stringMatching(`^${UNREACHABLE}`)]);
    }

    // Once the broker is back, the relay that publishes the backlog says so once, with how many
    // events it published. The relays share the outbox: one that finds the backlog taken says
    // nothing until it next publishes (broker-outage.test.ts checks that every event arrives).
    const shapes = () => met.map((name) => relay.get(name) ?? []);
    await eventually(shapes, (all) => all.some((messages) => messages.length > 1), 90_000);
    for (const messages of shapes()) {
      expect(messages[0]).toMatch(new RegExp(`^${UNREACHABLE}`));
      expect(messages.slice(1)).toEqual(messages.length > 1 ? [expect.stringMatching(BACK)] : []);
    }
    const published = shapes().map((messages) => Number(BACK.exec(messages[1] ?? '')?.[1] ?? 0));
    expect(Math.max(...published)).toBeGreaterThan(0);
  }, 240_000);
});
