import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, type Browser, expect, type Page } from '@playwright/test';
import { e2eValue } from './env.js';

export { expect };

/** The sample organisation's well-known password (`cli seed`; README, "Development log-ins"). */
export const DEV_PASSWORD = 'branchflow-dev';

const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

/** A sample log-in as `GET /api/auth/sample-users` lists it. */
export interface SampleUser {
  readonly loginName: string;
  readonly name: string;
  readonly role: string;
  readonly roleName: string;
  readonly orgUnitName: string;
}

/**
 * Playwright's `test` on the api the global setup started: `baseURL` is its address, so
 * `page.goto('/inbox')` and `request.get('/api/…')` reach it; `sampleUsers` are the sample
 * organisation's log-ins (name, role and unit in Chinese).
 */
export const test = base.extend<{ sampleUsers: readonly SampleUser[] }>({
  // Playwright reads a fixture's dependencies from its first parameter, which must be a
  // destructuring pattern: this one depends on none.
  // eslint-disable-next-line no-empty-pattern
  baseURL: async ({}, use) => {
    await use(e2eValue('baseUrl'));
  },
  sampleUsers: async ({ request }, use) => {
    const response = await request.get('/api/auth/sample-users');
    expect(response.status(), 'the sample organisation is loaded').toBe(200);
    await use(((await response.json()) as { items: SampleUser[] }).items);
  },
});

/** The sample user with this login name. */
export function sampleUser(users: readonly SampleUser[], loginName: string): SampleUser {
  const user = users.find((candidate) => candidate.loginName === loginName);
  if (!user) throw new Error(`no sample user ${loginName}`);
  return user;
}

/** The log-in button (Ant Design spaces two Chinese characters: 「登 录」). */
export function loginButton(page: Page) {
  return page.getByRole('button', { name: /^登\s*录$/ });
}

/**
 * Logs in through the log-in page as a person does (user name, password, 登录) and waits
 * until the app has left it. From `/login?next=…` the app goes on to the wanted page.
 */
export async function loginAs(page: Page, loginName: string, password = DEV_PASSWORD) {
  if (!new URL(page.url(), 'http://x').pathname.startsWith('/login')) {
    await page.goto('/login');
  }
  await page.getByLabel('用户名').fill(loginName);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await loginButton(page).click();
  await expect(page).not.toHaveURL(/\/login(\?|$)/);
}

/** A page of its own (a separate browser context: its own session), logged in as `loginName`. */
export async function loggedInPage(
  browser: Browser,
  loginName: string,
  width = 1440,
): Promise<Page> {
  // baseURL given here: a context made from `browser` gets the test's options only when the
  // test has already set up its own page ("Cannot navigate to invalid URL" otherwise)
  const context = await browser.newContext({
    baseURL: e2eValue('baseUrl'),
    viewport: { width, height: 900 },
  });
  const page = await context.newPage();
  await page.goto('/login');
  await loginAs(page, loginName);
  return page;
}

/**
 * Saves a full-page screenshot to test-results/screenshots/<name>.png (not committed): look
 * at it as the people it is for would.
 */
export async function shot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
