/// <reference lib="dom" />
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@taskflow/testkit';
import { fleetForFile, printLogsOnFailure, waitUntilDelivering } from '../harness.ts';
import { restClient } from '../realtime-clients.ts';
import * as ui from './harness.ts';

// The page on origins of its own (a port is an origin), task-api and ws-notifier on theirs,
// as with the page on a static host and the services elsewhere. Only the first page's origin
// is in CORS_ALLOWED_ORIGINS.
const allowedPort = await freePort();
const allowedOrigin = `http://127.0.0.1:${allowedPort}`;
const fleet = await fleetForFile(
  { 'task-api': 1, 'ws-notifier': 1 },
  { CORS_ALLOWED_ORIGINS: allowedOrigin },
);
const allowed = await ui.startWebFor(fleet, { crossOrigin: true, port: allowedPort });
const foreign = await ui.startWebFor(fleet, { crossOrigin: true });
const browser = await ui.launchChromium();
beforeAll(() => waitUntilDelivering(fleet), 120_000);

const notifier = fleet.replicas['ws-notifier'][0]!;

describe('the page on another origin than the API', () => {
  it('on an allowed origin: loads, and a task created from it appears live in a second tab', async () => {
    printLogsOnFailure(fleet);
    const alice = await ui.namedUser('alice');
    const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    const [tab1, tab2] = [await context.newPage(), await context.newPage()];
    const calls: string[] = [];
    tab1.on('request', (request) => calls.push(`${request.method()} ${request.url()}`));
    await ui.signIn(tab1, allowed.url, alice.id);
    await tab2.goto(allowed.url);
    await ui.waitUntilLive(tab2);

    await ui.addTask(tab1, 'Made across origins');
    await ui.row(tab2, 'Made across origins').waitFor({ timeout: 5_000 });
    // It went to task-api itself (a preflighted POST with a token), not through the page's host.
    expect(calls).toContain(`POST ${fleet.api}/api/alice/tasks`);
    const [made] = await restClient(fleet, alice)
      .tasks.list({ limit: 5 })
      .then((l) => l.items);
    expect(made?.title).toBe('Made across origins');

    // Completing is a PATCH, a method only the preflight can allow.
    await ui.row(tab1, 'Made across origins').locator('.task-done').check();
    await tab2.waitForSelector('#tasks li.task[data-completed="true"]', { timeout: 5_000 });
    await ui.screenshot(tab2, 'cross-origin-allowed');
    await context.close();
  });

  it('on an origin not on the list: the browser keeps the API from the page and the socket is refused', async () => {
    printLogsOnFailure(fleet);
    const bob = await ui.namedUser('bob');
    await restClient(fleet, bob).tasks.create({ title: 'Only readable from the allowed page' });
    const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    const page = await context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (message) => consoleLines.push(message.text()));
    const refusedBefore = await refusals403();

    await ui.signInOnly(page, foreign.url, bob.id);
    // The page's socket is answered 403 (its Origin is not allowed), so it never goes live...
    await expect.poll(refusals403, { timeout: 10_000 }).toBeGreaterThan(refusedBefore);
    // ... and the API's answers are kept from it by the browser: task-api sent no
    // Access-Control-Allow-Origin for this origin, so the fetch fails without a status.
    const read = await page.evaluate(
      async ({ api, user, token }) => {
        try {
          const response = await fetch(`${api}/api/${user}/tasks`, {
            headers: { authorization: `Bearer ${token}` },
          });
          return `answered ${response.status}`;
        } catch (error) {
          return `failed: ${String(error)}`;
        }
      },
      { api: fleet.api, user: bob.id, token: bob.token },
    );
    expect(read).toMatch(/^failed: TypeError/);
    expect(consoleLines.join('\n')).toMatch(/blocked by CORS policy/);
    expect(await page.locator('body[data-loaded="true"]').count()).toBe(0);
    expect(await page.locator('#connection').getAttribute('data-state')).not.toBe('open');
    expect(await page.locator('#tasks .task-title').count()).toBe(0);
    await ui.screenshot(page, 'cross-origin-refused');
    await context.close();
  });
});

/** Upgrades ws-notifier refused with 403, from its /metrics. */
async function refusals403(): Promise<number> {
  const text = await (await fetch(`${notifier.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('taskflow_ws_upgrades_refused_total{') && l.includes('"403"'));
  return line ? Number(line.split(' ').pop()) : 0;
}
