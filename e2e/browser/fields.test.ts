/// <reference lib="dom" />
import { beforeAll, describe, expect, it } from 'vitest';
import { fleetForFile, printLogsOnFailure, waitUntilDelivering } from '../harness.ts';
import { restClient } from '../realtime-clients.ts';
import {
  addTask,
  launchChromium,
  marked,
  markPage,
  namedUser,
  row,
  screenshot,
  signIn,
  startWebFor,
  titles,
} from './harness.ts';

// Priorities, tags and search on the page, in Chromium against a real fleet; changes made by
// another client (REST, as the test) must show without a reload.
const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1 });
const web = await startWebFor(fleet);
const browser = await launchChromium();
beforeAll(() => waitUntilDelivering(fleet), 120_000);

const carol = await namedUser('carol');
const api = restClient(fleet, carol);
const context = await browser.newContext({
  viewport: { width: 1000, height: 720 },
  timezoneId: 'Europe/Berlin',
  locale: 'en-GB',
});
const page = await context.newPage();

/** The titles shown, once they are these (in this order); the list's own waits, no sleeps. */
const shows = (expected: string[], timeout = 5_000) =>
  expect.poll(() => titles(page), { timeout }).toEqual(expected);

/** Types a search and waits until the page has the server's answer for it. */
async function search(text: string): Promise<void> {
  await page.fill('#search', text);
  await page.waitForSelector('#tasks:not([aria-busy])', { state: 'attached', timeout: 5_000 });
}

describe('priorities, tags and search on the page', () => {
  it('creates a task with a priority and tags from the add form, and shows them', async () => {
    printLogsOnFailure(fleet);
    await signIn(page, web.url, carol.id);
    await page.fill('#add-title', 'Fix the roof');
    await page.selectOption('#add-priority', '4');
    await page.fill('#add-tags', 'House, URGENT  house diy');
    await page.press('#add-title', 'Enter');

    const roof = row(page, 'Fix the roof');
    await roof.waitFor({ timeout: 5_000 });
    expect(await roof.locator('.priority').textContent()).toBe('Priority: Urgent');
    // Stored lower case, each once, sorted: the page shows what the server kept.
    expect(await roof.locator('button.tag').allTextContents()).toEqual([
      '#diy',
      '#house',
      '#urgent',
    ]);
    expect(await page.inputValue('#add-title')).toBe('');
    expect(await page.inputValue('#add-priority')).toBe('');
    expect(await page.inputValue('#add-tags')).toBe('');
    const [stored] = await api.tasks.listAll();
    expect(stored).toMatchObject({ title: 'Fix the roof', priority: 4 });
    expect(stored!.tags).toEqual(['diy', 'house', 'urgent']);

    // No priority and no tags: neither is shown.
    await addTask(page, 'Read a book');
    await row(page, 'Read a book').waitFor({ timeout: 5_000 });
    expect(await row(page, 'Read a book').locator('.priority, button.tag').count()).toBe(0);
  });

  it('edits a priority and tags from the row', async () => {
    printLogsOnFailure(fleet);
    // By id: while it is edited the row holds a form, not the title.
    const id = await row(page, 'Read a book').getAttribute('data-task-id');
    const book = page.locator(`#tasks li.task[data-task-id="${id}"]`);
    await book.locator('button.edit').click();
    await book.locator('select.edit-priority').selectOption('1');
    await book.locator('input.edit-tags').fill('leisure');
    await screenshot(page, 'edit-fields');
    await book.locator('button[type=submit]').click();
    await book.locator('.priority', { hasText: 'Low' }).waitFor({ timeout: 5_000 });
    expect(await book.locator('button.tag').allTextContents()).toEqual(['#leisure']);
    const stored = (await api.tasks.listAll()).find((t) => t.title === 'Read a book')!;
    expect(stored).toMatchObject({ priority: 1, tags: ['leisure'] });
  });

  it('the search box finds a task by a word of its description and hides the others; live changes re-run it', async () => {
    printLogsOnFailure(fleet);
    await api.tasks.create({
      title: 'Call the plumber',
      description: 'The kitchen sink is leaking again',
    });
    const dentist = await api.tasks.create({
      title: 'Book the dentist',
      description: 'Check-up before the holidays',
    });
    await shows(['Book the dentist', 'Call the plumber', 'Read a book', 'Fix the roof']);
    await markPage(page);

    // A word of the description, stemmed by the server ("leaks" finds "leaking").
    await search('leaks');
    await shows(['Call the plumber']);
    expect(await page.locator('#summary').textContent()).toContain('1 of 4 shown');
    await screenshot(page, 'search');

    // Another client makes a second task match: it joins the results without a reload.
    await api.tasks.update(dentist.id, { description: 'Ask why the tap leaks when brushing' });
    // (Relevance decides their order, so the titles are compared sorted.)
    await expect
      .poll(async () => (await titles(page)).sort(), { timeout: 5_000 })
      .toEqual(['Book the dentist', 'Call the plumber']);
    // ...and stops matching again.
    await api.tasks.update(dentist.id, { description: 'Check-up before the holidays' });
    await shows(['Call the plumber']);

    // A search that matches nothing says so; emptying the box shows every task again.
    await search('zeppelin');
    await shows([]);
    expect(await page.locator('#empty').isVisible()).toBe(true);
    await search('');
    await shows(['Book the dentist', 'Call the plumber', 'Read a book', 'Fix the roof']);
    expect(await marked(page)).toBe(true);
  });

  it('clicking a tag shows only the tasks with it, kept live as tags change elsewhere', async () => {
    printLogsOnFailure(fleet);
    await row(page, 'Fix the roof').locator('button.tag', { hasText: '#house' }).click();
    await shows(['Fix the roof']);
    expect(await page.inputValue('#filter-tag')).toBe('house');
    expect(await page.locator('#clear-filters').isVisible()).toBe(true);

    // Another client tags a task: it appears in the filtered list; untags it: it goes.
    const plumber = (await api.tasks.listAll()).find((t) => t.title === 'Call the plumber')!;
    const tagged = await api.tasks.update(plumber.id, { tags: ['House', 'calls'] });
    expect(tagged.tags).toEqual(['calls', 'house']);
    await shows(['Call the plumber', 'Fix the roof']);
    await screenshot(page, 'tag-filter');
    await api.tasks.update(plumber.id, { tags: ['calls'] });
    await shows(['Fix the roof']);

    // The tag choice offers every tag, and works from the keyboard as a plain select.
    expect(await page.locator('#filter-tag option').allTextContents()).toEqual([
      'All tags',
      '#calls',
      '#diy',
      '#house',
      '#leisure',
      '#urgent',
    ]);
    await page.selectOption('#filter-tag', 'leisure');
    await shows(['Read a book']);

    // Search and tag together: both must hold.
    await page.selectOption('#filter-tag', 'calls');
    await search('sink');
    await shows(['Call the plumber']);
    await page.selectOption('#filter-tag', 'house');
    await shows([]);

    await page.click('#clear-filters');
    await shows(['Book the dentist', 'Call the plumber', 'Read a book', 'Fix the roof']);
    expect(await page.inputValue('#search')).toBe('');
    expect(await page.inputValue('#filter-tag')).toBe('');
    expect(await marked(page)).toBe(true);
  });

  it("another client's change to a priority and tags appears on the page live", async () => {
    printLogsOnFailure(fleet);
    await markPage(page);
    const roof = (await api.tasks.listAll()).find((t) => t.title === 'Fix the roof')!;
    const changed = await api.tasks.update(roof.id, { priority: 2, tags: ['garden', 'house'] });

    const shown = page.locator(`#tasks li.task[data-task-id="${roof.id}"]`);
    await page.waitForSelector(
      `#tasks li.task[data-task-id="${roof.id}"][data-version="${changed.version}"]`,
      { timeout: 5_000 },
    );
    expect(await shown.locator('.priority').textContent()).toBe('Priority: Medium');
    expect(await shown.locator('button.tag').allTextContents()).toEqual(['#garden', '#house']);

    // Priority removed: the badge goes.
    const cleared = await api.tasks.update(roof.id, { priority: null, tags: [] });
    await page.waitForSelector(
      `#tasks li.task[data-task-id="${roof.id}"][data-version="${cleared.version}"]`,
      { timeout: 5_000 },
    );
    expect(await shown.locator('.priority, button.tag').count()).toBe(0);
    expect(await marked(page)).toBe(true);
    await page.mouse.move(0, 0);
    await screenshot(page, 'fields-overview');
  });
});
