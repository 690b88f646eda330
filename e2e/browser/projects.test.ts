/// <reference lib="dom" />
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
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

// A shared project on the page: two users, each in a browser of their own (two Chromium
// processes, two profiles), against a real fleet. What one member does appears on the other's
// page live, without a reload; a change of role or a removal takes effect there at once.
const fleet = await fleetForFile({ 'task-api': 1, 'ws-notifier': 1 });
const web = await startWebFor(fleet);
const [ownerBrowser, editorBrowser] = [await launchChromium(), await launchChromium()];
beforeAll(() => waitUntilDelivering(fleet), 120_000);

const olivia = await namedUser('olivia');
const eddie = await namedUser('eddie');
const oliviaApi = restClient(fleet, olivia);

const openPage = async (browser: Browser) =>
  (
    await browser.newContext({
      viewport: { width: 1000, height: 720 },
      timezoneId: 'Europe/Berlin',
      locale: 'en-GB',
    })
  ).newPage();
const owner = await openPage(ownerBrowser);
const editor = await openPage(editorBrowser);

/** The titles a page shows, once they are these (in this order). */
const shows = (page: Page, expected: string[], timeout = 5_000) =>
  expect.poll(() => titles(page), { timeout }).toEqual(expected);

/** The names in a page's project choice, after "All tasks" and "Private". */
const projectChoice = (page: Page) =>
  page
    .locator('#project-select option')
    .evaluateAll((options) => options.slice(2).map((option) => option.textContent));

const member = (page: Page, id: string) => page.locator(`#members-list li[data-member-id="${id}"]`);

describe('shared projects on the page, two users in two browsers', () => {
  it('the owner makes a project and adds a member; it appears on the member’s page live', async () => {
    printLogsOnFailure(fleet);
    await signIn(owner, web.url, olivia.id);
    await signIn(editor, web.url, eddie.id);
    await markPage(editor);
    await addTask(owner, 'Olivia’s own errand');
    await row(owner, 'Olivia’s own errand').waitFor({ timeout: 5_000 });

    await owner.click('#new-project');
    await owner.fill('#project-form input[name="name"]', 'Summer house');
    await owner.click('#project-form button[value="create"]');
    await owner.waitForSelector('#project-dialog:not([open])', { state: 'attached' });
    // The new project is chosen: its list is empty, and the owner manages it.
    await shows(owner, []);
    expect(await owner.locator('#project-role').textContent()).toBe('Owner');

    await owner.click('#project-members');
    await owner.fill('#members-form input[name="member"]', eddie.id);
    await owner.selectOption('#members-form select[name="role"]', 'editor');
    await owner.click('#members-form button[value="add"]');
    await member(owner, eddie.id).waitFor({ timeout: 5_000 });
    expect(await member(owner, eddie.id).locator('select').inputValue()).toBe('editor');
    await screenshot(owner, 'projects-members');
    await owner.click('#members-form button[value="close"]');

    await expect.poll(() => projectChoice(editor), { timeout: 5_000 }).toEqual(['Summer house']);
    const [stored] = await oliviaApi.projects.list();
    expect(stored!.members.map((m) => [m.user_id, m.role])).toEqual([
      ['eddie', 'editor'],
      ['olivia', 'owner'],
    ]);
    // Olivia's private task never reaches Eddie's page.
    await shows(editor, []);
    expect(await marked(editor)).toBe(true);
  });

  it('an editor’s new task and edit appear on the owner’s page live, in the project', async () => {
    const projectId = (await oliviaApi.projects.list())[0]!.id;
    await editor.selectOption('#project-select', projectId);
    expect(await editor.locator('#project-role').textContent()).toBe('Editor');
    await addTask(editor, 'Paint the fence');
    await row(editor, 'Paint the fence').waitFor({ timeout: 5_000 });

    // The owner still shows the project alone: the task arrives in it.
    await shows(owner, ['Paint the fence']);
    // Shown among all her tasks, it names its project.
    await owner.selectOption('#project-select', '');
    await shows(owner, ['Paint the fence', 'Olivia’s own errand']);
    expect(await row(owner, 'Paint the fence').locator('.badge.project').textContent()).toBe(
      'Summer house',
    );
    const [task] = await oliviaApi.tasks.listAll({ project: projectId });
    expect(task).toMatchObject({
      title: 'Paint the fence',
      project_id: projectId,
      user_id: 'eddie',
    });

    await row(editor, 'Paint the fence').locator('button.edit').click();
    await editor.fill('#tasks .edit-title', 'Paint the fence white');
    await editor.press('#tasks .edit-title', 'Enter');
    await shows(owner, ['Paint the fence white', 'Olivia’s own errand']);
    await screenshot(owner, 'projects-owner');
  });

  it('a change of role and a removal take effect on the member’s open page at once', async () => {
    await owner.selectOption('#project-select', (await oliviaApi.projects.list())[0]!.id);
    await owner.click('#project-members');
    await member(owner, eddie.id).locator('select').selectOption('viewer');
    await expect
      .poll(() => editor.locator('#project-role').textContent(), { timeout: 5_000 })
      .toBe('Viewer');
    // A viewer reads the task and sets reminders, but cannot edit, delete or add.
    const fence = row(editor, 'Paint the fence white');
    await expect.poll(() => fence.getAttribute('data-read-only'), { timeout: 5_000 }).toBe('true');
    expect(await fence.locator('button.edit, button.delete').count()).toBe(0);
    expect(await fence.locator('button.remind').count()).toBe(1);
    expect(await editor.locator('#add-form').getAttribute('inert')).not.toBeNull();
    await screenshot(editor, 'projects-viewer');

    await member(owner, eddie.id).locator('button', { hasText: 'Remove' }).click();
    await member(owner, eddie.id).waitFor({ state: 'detached', timeout: 5_000 });
    // Gone from Eddie's page without a reload: the project, its task, and the role.
    await expect.poll(() => projectChoice(editor), { timeout: 5_000 }).toEqual([]);
    await shows(editor, []);
    expect(await editor.locator('#project-role').isHidden()).toBe(true);
    expect(await editor.locator('#add-form').getAttribute('inert')).toBeNull();
    expect(await marked(editor)).toBe(true);
    // The task itself stays in the project, for its members.
    await owner.click('#members-form button[value="close"]');
    await shows(owner, ['Paint the fence white']);
  });

  it('deleting the project takes it and its tasks off the owner’s page', async () => {
    await owner.click('#project-members');
    owner.once('dialog', (dialog) => void dialog.accept());
    await owner.click('#project-delete');
    await expect.poll(() => projectChoice(owner), { timeout: 5_000 }).toEqual([]);
    expect(await owner.inputValue('#project-select')).toBe('');
    await shows(owner, ['Olivia’s own errand']);
    expect(await oliviaApi.projects.list()).toEqual([]);
  });
});
