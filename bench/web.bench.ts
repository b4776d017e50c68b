/**
 * The web app's weight and first load (issue 15): `npm run bench:web`.
 *
 * 1. Builds apps/web when stale (scripts/build-web-if-stale.ts) and reads apps/web/dist:
 *    the gzip size (level 9, as the pre-compressed `.gz` the api sends) of the JavaScript the
 *    first page loads before any route — index.html's module scripts and modulepreloads —, of
 *    all the JavaScript of the build, and of what Chromium actually fetched for `/login` and
 *    for `/inbox` (the entry plus the page's lazy chunks). Goal: at most 300 KB gzip for a
 *    first page.
 * 2. Starts the real api and worker as the browser tests do (test/e2e/support/global-setup.ts:
 *    a fresh database with the sample organisation, a free port) and loads pages in Debian's
 *    Chromium through playwright-core, each load in a fresh browser context (an empty cache):
 *    the baseline — the api's `/api/health` opened as a page, the cheapest page load through
 *    the same server and browser —, `/login` until its 登录 button shows, and, logged in as
 *    the sample secretary, `/inbox` until its list shows (a table row or a list item in the
 *    page). Each the median of BENCH_WEB_RUNS (5) loads, timed from the navigation's start
 *    (performance.timeOrigin) to the moment the element appeared (a MutationObserver in the
 *    page), and given as a ratio to the baseline. Goal: the inbox's first load under 1 s.
 *
 * The build and the pages are measured on this machine in this run; compare ratios across
 * machines, not milliseconds.
 */
import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, e2eValue } from '../test/e2e/support/env.js';
import globalSetup from '../test/e2e/support/global-setup.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'apps', 'web', 'dist');
const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 5);
const GOAL_KB = 300;
const SECRETARY = 'secretary.branch-rd';
const PASSWORD = 'branchflow-dev';

const gzipSizes = new Map<string, number>();
async function gzipSize(path: string): Promise<number> {
  let size = gzipSizes.get(path);
  if (size === undefined) {
    size = gzipSync(await readFile(join(DIST, path)), { level: 9 }).length;
    gzipSizes.set(path, size);
  }
  return size;
}

async function sumGzip(paths: Iterable<string>): Promise<{ files: number; kb: number }> {
  let bytes = 0;
  let files = 0;
  for (const path of paths) {
    bytes += await gzipSize(path);
    files += 1;
  }
  return { files, kb: bytes / 1024 };
}

/** index.html's `<script type="module" src>` and `<link rel="modulepreload" href>`. */
function firstPageScripts(html: string): string[] {
  const found = new Set<string>();
  for (const match of html.matchAll(/<script\b[^>]*\bsrc="([^"]+\.js)"/g)) found.add(match[1]);
  for (const match of html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) {
    found.add(match[1]);
  }
  for (const match of html.matchAll(/<link\b[^>]*href="([^"]+)"[^>]*rel="modulepreload"/g)) {
    found.add(match[1]);
  }
  return [...found].map((path) => path.replace(/^\//, ''));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const kb = (value: number) => `${value.toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

/**
 * Installed before any script of the page: notes performance.now() (ms since the navigation
 * started) when an element matching the selector first appears.
 */
function markWhenShown(selector: string): string {
  return `(() => {
    const mark = () => {
      if (window.__benchShownAt === undefined && document.querySelector(${JSON.stringify(selector)})) {
        window.__benchShownAt = performance.now();
        return true;
      }
      return window.__benchShownAt !== undefined;
    };
    const observer = new MutationObserver(() => { if (mark()) observer.disconnect(); });
    observer.observe(document, { childList: true, subtree: true, attributes: true });
  })();`;
}

/**
 * BENCH_WEB_TIMELINE=1: each load's resources (start → end, ms since the navigation started)
 * and long main-thread tasks, to see where a first load's time goes.
 */
const TIMELINE = process.env.BENCH_WEB_TIMELINE === '1';

async function printTimeline(page: Page, path: string, shownAt: number): Promise<void> {
  const entries = await page.evaluate<[string, number, number][]>(
    `performance.getEntriesByType('resource').map((e) => [
       new URL(e.name).pathname + new URL(e.name).search, e.startTime, e.responseEnd])`,
  );
  const lines = entries
    .sort((a, b) => a[1] - b[1])
    .map(([name, start, end]) => `    ${ms(start).padStart(7)} → ${ms(end).padStart(7)}  ${name}`);
  process.stdout.write(`  ${path} shown at ${ms(shownAt)}:\n${lines.join('\n')}\n`);
}

interface Load {
  readonly ms: number;
  readonly scripts: readonly string[];
}

/** One cold load of `path` in a fresh context; the time until `selector` showed. */
async function coldLoad(
  browser: Browser,
  baseURL: string,
  path: string,
  selector: string | null,
  storageState?: Awaited<ReturnType<BrowserContext['storageState']>>,
): Promise<Load> {
  const context = await browser.newContext({
    baseURL,
    storageState,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1440, height: 900 },
  });
  try {
    const page = await context.newPage();
    const scripts: string[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.origin === baseURL && url.pathname.endsWith('.js')) {
        scripts.push(url.pathname.replace(/^\//, ''));
      }
    });
    if (selector === null) {
      await page.goto(path, { waitUntil: 'load' });
      // the root tsconfig has no DOM types: the page's code as text
      const loaded = await page.evaluate<number>(
        `(() => { const [entry] = performance.getEntriesByType('navigation');
                  return (entry && entry.loadEventEnd) || performance.now(); })()`,
      );
      return { ms: loaded, scripts };
    }
    await page.addInitScript(markWhenShown(selector));
    await page.goto(path, { waitUntil: 'commit' });
    const handle = await page.waitForFunction('window.__benchShownAt', undefined, {
      timeout: 30_000,
      polling: 50,
    });
    const shownAt = (await handle.jsonValue()) as number;
    await page.waitForLoadState('networkidle');
    if (TIMELINE) await printTimeline(page, path, shownAt);
    return { ms: shownAt, scripts };
  } finally {
    await context.close();
  }
}

async function loads(run: () => Promise<Load>): Promise<Load[]> {
  await run(); // warm-up: the api's first requests, the OS's file cache
  const results: Load[] = [];
  for (let i = 0; i < RUNS; i += 1) results.push(await run());
  return results;
}

async function main(): Promise<void> {
  const build = spawnSync(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'scripts/build-web-if-stale.ts'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error('the web app did not build');

  const html = await readFile(join(DIST, 'index.html'), 'utf8');
  const first = await sumGzip(firstPageScripts(html));
  const allJs = (await readdir(join(DIST, 'assets'))).filter((name) => name.endsWith('.js'));
  const all = await sumGzip(allJs.map((name) => `assets/${name}`));
  process.stdout.write(
    `\nweb bundle (apps/web/dist, gzip -9):\n` +
      `  before any route (index.html's scripts + modulepreloads): ${first.files} files, ${kb(first.kb)} (goal ≤ ${GOAL_KB} KB)\n` +
      `  all JavaScript of the build: ${all.files} files, ${kb(all.kb)}\n`,
  );

  const teardown = await globalSetup();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    const baseURL = e2eValue('baseUrl');
    const login = await browser.newContext({ baseURL });
    const answer = await login.request.post('/api/auth/login', {
      data: { loginName: SECRETARY, password: PASSWORD },
    });
    if (!answer.ok()) throw new Error(`log-in as ${SECRETARY} answered ${answer.status()}`);
    const storageState = await login.storageState();
    await login.close();

    const baseline = await loads(() => coldLoad(browser, baseURL, '/api/health', null));
    const loginPage = await loads(() =>
      coldLoad(browser, baseURL, '/login', 'button[type="submit"]'),
    );
    const inbox = await loads(() =>
      coldLoad(
        browser,
        baseURL,
        '/inbox',
        'table tbody tr[data-row-key], [role="listitem"], .ant-list-item',
        storageState,
      ),
    );
    const base = median(baseline.map((load) => load.ms));
    const loginJs = await sumGzip(new Set(loginPage[0].scripts));
    const inboxJs = await sumGzip(new Set(inbox[0].scripts));
    const ratio = (loadsOf: Load[]) => {
      const value = median(loadsOf.map((load) => load.ms));
      return `${ms(value)} = ${(value / base).toFixed(1)}× the baseline (runs: ${loadsOf.map((load) => load.ms.toFixed(0)).join(', ')})`;
    };
    process.stdout.write(
      `  fetched by /login: ${loginJs.files} files, ${kb(loginJs.kb)}; by /inbox (logged in): ${inboxJs.files} files, ${kb(inboxJs.kb)} (goal ≤ ${GOAL_KB} KB)\n` +
        `\nfirst load on localhost (Chromium, a fresh context each = empty cache; median of ${RUNS} after a warm-up):\n` +
        `  baseline, /api/health as a page: ${ms(base)} (runs: ${baseline.map((load) => load.ms.toFixed(0)).join(', ')})\n` +
        `  /login until 登录 shows: ${ratio(loginPage)}\n` +
        `  /inbox until its list shows: ${ratio(inbox)} (goal < 1 s)\n`,
    );
  } finally {
    await browser.close();
    await teardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:web failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
