// Plain ESM JavaScript: jest loads global setup outside its module mapper and transforms.
import { execFileSync } from 'node:child_process';
import pg from 'pg';

export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates this run's own database and migrates it with the real `db migrate` command; the
 * suites read its URL from TEST_DATABASE_URL. global-teardown.js drops it.
 */
export default async function globalSetup() {
  const name = `branchflow_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  execFileSync(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'apps/cli/src/main.ts', 'db', 'migrate'],
    {
      env: { ...process.env, DATABASE_URL: url.toString() },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  process.env.TEST_DATABASE_NAME = name;
  process.env.TEST_DATABASE_URL = url.toString();
}
