import { afterAll } from 'vitest';
import { Task, type WsMessage } from '@taskflow/contracts';
import { nextAfterCompletion, parseSeries } from '@taskflow/recurrence';
import { brokerOfRun, startFleet, type Fleet, type FleetOptions } from '@taskflow/testkit';
import { newUser, openSocket, type Socket, type User } from './harness.ts';

/**
 * The fleet for a recurrence test file. Small spawn batches (5 series per transaction) make the
 * two scheduler replicas interleave their claims and give a kill many commit points to land
 * between; the default (500) is what the benchmark measures.
 */
export async function recurrenceFleet(replicas: FleetOptions['replicas']): Promise<Fleet> {
  const fleet = await startFleet({
    broker: brokerOfRun(),
    replicas,
    env: { SPAWN_BATCH_SIZE: '5' },
  });
  afterAll(() => fleet.stop(), 60_000);
  return fleet;
}

export { arrivedAt } from './harness.ts';

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

/** Whole minutes: series starts are kept to the minute. */
export const minuteOf = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;

export const isSpawnOf = (seriesId: string) => (message: WsMessage) =>
  message.type === 'recurring.spawned' && message.data.series_id === seriesId;

/** Creates a task that is a series at once; fails the test on anything but 201. */
export async function createSeries(
  user: User,
  title: string,
  recurrence: { rule: string; time_zone: string; start: string; mode?: 'schedule' | 'completion' },
): Promise<Task> {
  const { status, json } = await user.call('POST', '/tasks', { title, recurrence });
  if (status !== 201) throw new Error(`series refused: ${status} ${JSON.stringify(json)}`);
  return Task.parse(json);
}

/**
 * A completion-mode series (every other day) that started a minute ago, and its first instance,
 * spawned at once and shown on `socket`: the next comes only after that one is completed.
 */
export async function completionSeries(user: User, socket: Socket) {
  const start = new Date(minuteOf(Date.now()) - MINUTE).toISOString();
  const series = await createSeries(user, 'Water the plants', {
    rule: 'FREQ=DAILY;INTERVAL=2',
    time_zone: 'Europe/Berlin',
    start,
    mode: 'completion',
  });
  const first = await socket.waitFor(isSpawnOf(series.id), 10_000);
  return { series, first };
}

/** Where completing a completion-mode series' instance at `completedAt` puts its next occurrence. */
export function nextOccurrenceAfter(series: Task, completedAt: string): string {
  return nextAfterCompletion(
    parseSeries({
      rule: series.recurrence_rule!,
      timeZone: series.time_zone!,
      start: new Date(series.series_start!),
    }),
    new Date(completedAt),
  )!.toISOString();
}

/** A counter's value on one replica's /metrics (summed over its label sets). */
export async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(labels)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

/**
 * Waits until a spawn makes the whole trip (scheduler tick, relay, broker, ws-notifier): on
 * Kafka the consumer groups need their partitions first. A probe series due a minute ago spawns
 * at once; another is made every few seconds until one arrives.
 */
export async function waitUntilSpawnsDeliver(fleet: Fleet, timeoutMs = 120_000): Promise<void> {
  const probe = await newUser(fleet, 'probe');
  const socket = await openSocket(fleet, probe);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const series = await createSeries(probe, 'probe', {
        rule: 'FREQ=DAILY',
        time_zone: 'UTC',
        start: new Date(minuteOf(Date.now()) - MINUTE).toISOString(),
      });
      const arrived = await socket.waitFor(isSpawnOf(series.id), 5000).then(
        () => true,
        () => false,
      );
      if (arrived) return;
    }
    throw new Error(`spawns did not reach a socket within ${timeoutMs} ms`);
  } finally {
    socket.close();
  }
}
