import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { signDevToken } from '@taskflow/service-kit';
import {
  FLEET_JWT_SECRET,
  freePort,
  startProcess,
  type Fleet,
  type RunningProcess,
} from '@taskflow/testkit';

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = join(repo, 'artifacts', 'browser');

/**
 * The web service from its built output, with dev sign-in (ENVIRONMENT=local). By default in
 * front of the fleet as the ingress would be: the page, `/api` to task-api and `/ws` to
 * ws-notifier, all on one origin. `crossOrigin`: the page alone, on its own origin (`port`),
 * calling task-api and ws-notifier directly on theirs, as a page on a static host does.
 */
export async function startWebFor(
  fleet: Fleet,
  { crossOrigin = false, port: given }: { crossOrigin?: boolean; port?: number } = {},
): Promise<{ url: string; process: RunningProcess }> {
  const port = given ?? (await freePort());
  const notifiers = fleet.replicas['ws-notifier'].map((r) => r.url);
  const upstreams = crossOrigin
    ? { PUBLIC_API_URL: fleet.api, PUBLIC_WS_URL: notifiers[0]!.replace(/^http/, 'ws') }
    : { TASK_API_URL: fleet.api, WS_NOTIFIER_URL: notifiers.join(',') };
  const child = startProcess({
    name: 'web',
    command: process.execPath,
    args: [join(repo, 'services', 'web', 'dist', 'main.js')],
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      ENVIRONMENT: 'local',
      AUTH_JWT_SECRET: FLEET_JWT_SECRET,
      ...upstreams,
      LOG_LEVEL: 'info',
    },
  });
  afterAll(() => child.stop());
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitStatus()) throw new Error(`web exited: ${child.logs()}`);
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, process: child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`web did not answer at ${url}: ${child.logs()}`);
}

/**
 * A user with a plain name and a token for REST calls from the test. Each fleet has a database
 * of its own, so plain names cannot collide; they keep the screenshots readable.
 */
export async function namedUser(id: string): Promise<{ id: string; token: string }> {
  return { id, token: await signDevToken(id, FLEET_JWT_SECRET) };
}

const HOW_TO = 'Run `bash scripts/provision/chromium.sh` (Debian chromium), or set CHROMIUM.';

/** Headless Chromium from Debian, driven by playwright-core; closed after the file. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw new Error(`no Chromium at ${executablePath}. ${HOW_TO}`);
  }
  // Playwright gives every launch a fresh, temporary profile (user data dir) of its own.
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  afterAll(() => browser.close());
  return browser;
}

/** Signs in on the page with dev sign-in and waits until the list is loaded and live. */
export async function signIn(page: Page, webUrl: string, userId: string): Promise<void> {
  await signInOnly(page, webUrl, userId);
  await waitUntilLive(page);
}

/** Signs in on the page with dev sign-in, and waits for nothing more. */
export async function signInOnly(page: Page, webUrl: string, userId: string): Promise<void> {
  await page.goto(webUrl);
  await page.fill('#sign-in-user', userId);
  await page.click('#dev-sign-in button[type=submit]');
  await page.waitForSelector('#board:not([hidden])');
}

/** The page has its list from REST and its socket open. */
export async function waitUntilLive(page: Page, timeoutMs = 15_000): Promise<void> {
  await page.waitForSelector('body[data-loaded="true"]', { timeout: timeoutMs });
  await page.waitForSelector('#connection[data-state="open"]', { timeout: timeoutMs });
}

export async function addTask(page: Page, title: string): Promise<void> {
  await page.fill('#add-title', title);
  await page.press('#add-title', 'Enter');
}

/** Marks the page: the mark survives only if the page is never reloaded (`marked`). */
export const markPage = (page: Page) =>
  page.evaluate(() => ((window as unknown as { marker: string }).marker = 'still here'));
export const marked = (page: Page) =>
  page.evaluate(() => (window as unknown as { marker?: string }).marker === 'still here');

export const titles = (page: Page) => page.locator('#tasks .task-title').allTextContents();

/** A task row with this exact title. */
export const row = (page: Page, title: string) =>
  page.locator('#tasks li.task', { has: page.locator('.task-title', { hasText: title }) });

/** Saves a screenshot as a CI artifact (artifacts/browser/<name>.png). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  // Animations (a toast rising, a changed row fading) are shown at their end state.
  await page.screenshot({ path, animations: 'disabled' });
  expect(path).toBeTruthy();
  return path;
}
