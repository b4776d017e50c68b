import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/e2e/support/env.js';

/**
 * Browser tests (issue 15): `npm run test:e2e`. The global setup (test/e2e/support) creates a
 * fresh PostgreSQL database, migrates it, loads the sample organisation, builds the web app
 * when stale, and starts the real api and worker on a free port with their own BullMQ prefix;
 * the tests reach it through `baseURL` (see test/e2e/support/fixtures.ts). Chromium is
 * Debian's (`apt-get install chromium`), never a browser Playwright downloads. One worker:
 * the tests share the one api and the machine has few cores.
 */
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '*.e2e.ts',
  outputDir: 'test-results/playwright',
  globalSetup: './test/e2e/support/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
});
