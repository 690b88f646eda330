import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { signDevToken } from '@taskflow/service-kit';
import { FLEET_JWT_SECRET } from '@taskflow/testkit';
import { eventually, fleetForFile, printLogsOnFailure } from './harness.ts';

// Two task-api replicas, each with its own daprd, sharing counts through the fleet's real state
// store (taskflow-state: Redis in e2e-redis, PostgreSQL in e2e-kafka). A quota small enough to
// reach, a window long enough that the test does not straddle two, and a quick exchange.
const QUOTA = 20;
const SYNC_MS = 100;
const fleet = await fleetForFile(
  { 'task-api': 2 },
  {
    RATE_LIMIT_USER: String(QUOTA),
    RATE_LIMIT_WINDOW_SECONDS: '3600',
    RATE_LIMIT_SYNC_MS: String(SYNC_MS),
  },
);
const [first, second] = fleet.replicas['task-api'];

async function userOn() {
  const id = `user-${crypto.randomUUID()}`;
  const token = await signDevToken(id, FLEET_JWT_SECRET);
  return async (replica: { url: string }) => {
    const response = await fetch(`${replica.url}/api/${id}/tasks`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await response.arrayBuffer();
    return { status: response.status, ratelimit: response.headers.get('ratelimit') ?? '' };
  };
}

/** Counts restart at the top of each hour (the window): do not start a test just before it. */
async function clearOfWindowEnd() {
  const left = 3_600_000 - (Date.now() % 3_600_000);
  if (left < 30_000) await sleep(left + 1000);
}

describe(`rate limits across replicas (state store ${fleet.stateStore}, ${fleet.broker})`, () => {
  it('gives a user RATE_LIMIT_USER requests in all, not that many per replica', async () => {
    printLogsOnFailure(fleet);
    await clearOfWindowEnd();
    const get = await userOn();
    for (let i = 0; i < 12; i++) expect((await get(first!)).status).toBe(200);
    // Many exchanges later, the second replica has heard of the first one's 12.
    await sleep(SYNC_MS * 15);

    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await get(second!));
    expect(answers.map((a) => a.status)).toEqual([...Array(8).fill(200), ...Array(4).fill(429)]);
    expect(answers[0]!.ratelimit).toMatch(/"user";r=7;t=\d+/);
    // And the first replica, in turn, knows the second one's 8.
    await sleep(SYNC_MS * 15);
    expect((await get(first!)).status).toBe(429);
    if (fleet.stateStore === 'postgres') {
      // The counts went through state.postgresql's own table, under task-api's key prefix.
      const sql = postgres(fleet.database.url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from dapr_state where key like 'task-api||%'`;
        expect(row!.n).toBeGreaterThan(0);
      } finally {
        await sql.end();
      }
    }
  });

  it('fails open when its sidecar is gone: requests are served, counted per replica', async () => {
    printLogsOnFailure(fleet);
    await clearOfWindowEnd();
    await second!.daprd.stop();
    const get = await userOn();
    const statuses = [];
    for (let i = 0; i < QUOTA + 2; i++) statuses.push((await get(second!)).status);
    expect(statuses).toEqual([...Array(QUOTA).fill(200), 429, 429]);
    const failures = await eventually(
      async () => {
        const metrics = await (await fetch(`${second!.url}/metrics`)).text();
        return Number(
          /taskflow_rate_limit_sync_failures_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0,
        );
      },
      (count) => count > 0,
      10_000,
    );
    expect(failures).toBeGreaterThan(0);
    expect(second!.process.logs()).toContain('rate limit: count exchange failed');
  });
});
