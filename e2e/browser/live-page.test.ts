/// <reference lib="dom" />
import { beforeAll, describe, expect, it } from 'vitest';
import { FLEET_DAPR_API_TOKEN } from '@taskflow/testkit';
import { makeEvent, topicName, TOPICS } from '@taskflow/contracts';
import { createDaprClient } from '@taskflow/dapr';
import { fleetForFile, printLogsOnFailure, waitUntilDelivering } from '../harness.ts';
import { restClient } from '../realtime-clients.ts';
import {
  addTask,
  launchChromium,
  namedUser,
  row,
  screenshot,
  signIn,
  startWebFor,
  titles,
  waitUntilLive,
} from './harness.ts';

const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1 });
const web = await startWebFor(fleet);
const browser = await launchChromium();
beforeAll(() => waitUntilDelivering(fleet), 120_000);

// One user in one browser context (two tabs share its storage, so the second is signed in).
const alice = await namedUser('alice');
const aliceContext = await browser.newContext({
  viewport: { width: 1000, height: 640 },
  timezoneId: 'Europe/Berlin',
  locale: 'en-GB',
});
const [tab1, tab2] = [await aliceContext.newPage(), await aliceContext.newPage()];

describe('the web page in Chromium', () => {
  it('two tabs of one user: a task created in one appears in the other within 500 ms', async () => {
    printLogsOnFailure(fleet);
    await signIn(tab1, web.url, alice.id);
    await tab2.goto(web.url);
    await waitUntilLive(tab2);

    // Timed inside the browser (both tabs share its clock): from the submit in one tab to the
    // row in the other, without the test driver's own round trips.
    await tab2.evaluate(watchFor, 'Buy milk');
    await tab1.evaluate(() => {
      const stamp = () => ((window as unknown as { submittedAt: number }).submittedAt = Date.now());
      document.getElementById('add-form')!.addEventListener('submit', stamp, { capture: true });
    });
    await addTask(tab1, 'Buy milk');
    const submittedAt = await tab1.evaluate(
      () => (window as unknown as { submittedAt: number }).submittedAt,
    );
    const appearedAt = await tab2.evaluate(() => (window as unknown as Watched).appeared);
    const elapsed = appearedAt - submittedAt;
    console.info(`tab to tab: ${elapsed} ms`);
    expect(elapsed).toBeLessThan(500);
    // The creating tab renders its own row when its POST answers: wait for it, then compare.
    await row(tab1, 'Buy milk').waitFor({ timeout: 2_000 });
    expect(await titles(tab1)).toEqual(['Buy milk']);

    // Edits and completion travel the same way.
    await row(tab1, 'Buy milk').locator('.task-done').check();
    await tab2.waitForSelector('#tasks li.task[data-completed="true"]', { timeout: 2_000 });
    await screenshot(tab2, 'two-tabs-second-tab');
  });

  it("a second user's tab shows nothing of the first's", async () => {
    printLogsOnFailure(fleet);
    const bobContext = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    const bob = await bobContext.newPage();
    await signIn(bob, web.url, 'bob');
    expect(await titles(bob)).toEqual([]);

    await addTask(tab1, 'Only for Alice');
    await row(tab2, 'Only for Alice').waitFor({ timeout: 2_000 });
    await addTask(bob, 'Only for Bob');
    await row(bob, 'Only for Bob').waitFor({ timeout: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything misrouted would be here
    expect(await titles(bob)).toEqual(['Only for Bob']);
    expect(await titles(tab2)).not.toContain('Only for Bob');
    await screenshot(bob, 'second-user');
    await bobContext.close();
  });

  it('shows a fired reminder as a toast', async () => {
    printLogsOnFailure(fleet);
    const [task] = await restClient(fleet, alice)
      .tasks.list({ limit: 1 })
      .then((l) => l.items);
    const reminder = crypto.randomUUID();
    // As reminder-worker publishes it (its outbox relay, through a sidecar).
    const sidecar = fleet.replicas['task-api'][0]!.daprd;
    const dapr = createDaprClient({ httpPort: sidecar.httpPort, apiToken: FLEET_DAPR_API_TOKEN });
    const event = makeEvent(
      'reminder.triggered',
      { id: reminder, version: 1 },
      {
        reminder_id: reminder,
        task_id: task!.id,
        title: task!.title,
        remind_at: new Date().toISOString(),
        project_id: null,
        due_date: '2030-01-01T09:00:00.000Z',
        late: false,
      },
      { userId: alice.id, correlationId: reminder },
    );
    await dapr.publish(
      'taskflow-pubsub',
      topicName(TOPICS.reminders, fleet.topicNamespace),
      event,
      {
        metadata: { partitionKey: alice.id },
      },
    );
    const toast = tab1.locator('.toast-reminder', { hasText: task!.title });
    await toast.waitFor({ timeout: 5_000 });
    await screenshot(tab1, 'reminder-toast');
  });

  it('sets a recurrence and a reminder from their dialogs', async () => {
    printLogsOnFailure(fleet);
    const api = restClient(fleet, alice);
    const inDays = (days: number, hour: number) => {
      const date = new Date(Date.now() + days * 86_400_000);
      date.setUTCHours(hour, 0, 0, 0);
      return date.toISOString();
    };
    await api.tasks.create({ title: 'Renew passport', due_date: inDays(-1, 9) });
    await api.tasks.create({ title: 'Pay rent', due_date: inDays(3, 8) });
    await api.tasks.create({ title: 'Water the plants', due_date: inDays(1, 7) });
    await row(tab1, 'Water the plants').waitFor({ timeout: 5_000 });

    await row(tab1, 'Water the plants').locator('button.repeat').click();
    await tab1.selectOption('#repeat-form select[name=preset]', 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
    await tab1.click('#repeat-form button[value=save]');
    await row(tab2, 'Water the plants').locator('.badge', { hasText: 'Repeats' }).waitFor({
      timeout: 5_000,
    });
    expect(await tab1.locator('#repeat-dialog').isVisible()).toBe(false);

    await row(tab1, 'Pay rent').locator('button.remind').click();
    await tab1.selectOption('#remind-form select[name=minutes]', '1440');
    await tab1.click('#remind-form button[value=add]');
    await tab1.locator('.toast', { hasText: 'Reminder set' }).waitFor({ timeout: 5_000 });
    await row(tab1, 'Pay rent').locator('button.remind').click();
    await tab1.locator('#remind-list li.reminder-pending').waitFor({ timeout: 5_000 });
    await tab1.click('#remind-form button[value=cancel]');
    await tab1.mouse.move(0, 0);
    await screenshot(tab1, 'overview');
  });

  it('ws-notifier killed and restarted: the page reconnects within 5 s of its return and shows the changes made meanwhile', async () => {
    printLogsOnFailure(fleet);
    const api = restClient(fleet, alice);
    const notifier = fleet.replicas['ws-notifier'][0]!;
    notifier.process.kill('SIGKILL');
    await notifier.process.exited;
    await tab1.waitForSelector('#connection[data-state="reconnecting"]', { timeout: 10_000 });

    const made = await api.tasks.create({ title: 'Made while the notifier was down' });
    const [milk] = (await api.tasks.listAll()).filter((t) => t.title === 'Buy milk');
    await api.tasks.complete(milk!.id, false);
    await screenshot(tab1, 'notifier-down');

    await notifier.restart();
    const back = performance.now();
    // The backoff never waits more than 5 s between attempts.
    await tab1.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
    const reconnected = performance.now() - back;
    console.info(`live again ${reconnected.toFixed(0)} ms after ws-notifier's return`);
    expect(reconnected).toBeLessThan(5_000);
    // Then `resync` (the restarted replica holds nothing from before) and a REST reload.
    const meanwhile = `#tasks li.task[data-task-id="${milk!.id}"][data-completed="false"]`;
    await row(tab1, made.title).waitFor({ timeout: 2_000 });
    await tab1.waitForSelector(meanwhile, { timeout: 2_000 });
    await screenshot(tab1, 'after-notifier-restart');
  });
});

type Watched = { appeared: Promise<number> };

/**
 * Runs in the page (self-contained: Playwright sends its source): `window.appeared` resolves
 * with Date.now() once a task with this title is in the list.
 */
function watchFor(title: string): void {
  (window as unknown as Watched).appeared = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const titles = [...document.querySelectorAll('#tasks .task-title')];
      if (!titles.some((element) => element.textContent === title)) return;
      observer.disconnect();
      resolve(Date.now());
    });
    observer.observe(document.getElementById('tasks')!, { childList: true, subtree: true });
  });
}
