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
