/** The environment variables the global setup hands the tests (Playwright's workers inherit it). */
export const E2E_ENV = {
  /** The api (and the web app it serves), e.g. http://127.0.0.1:41234. */
  baseUrl: 'BRANCHFLOW_E2E_BASE_URL',
  /** The run's own database, for a test that prepares or checks rows. */
  databaseUrl: 'BRANCHFLOW_E2E_DATABASE_URL',
} as const;

export function e2eValue(name: keyof typeof E2E_ENV): string {
  const value = process.env[E2E_ENV[name]];
  if (!value) {
    throw new Error(
      `${E2E_ENV[name]} is not set: run the browser tests with npm run test:e2e (its global setup starts the api)`,
    );
  }
  return value;
}

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH names another. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless on a server: no sandbox (root), no GPU, no traffic of its own beyond the page's. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
