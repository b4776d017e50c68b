import pg from 'pg';
import { ADMIN_DATABASE_URL } from './global-setup.js';

/** Drops this run's database (see global-setup.js). */
export default async function globalTeardown() {
  const name = process.env.TEST_DATABASE_NAME;
  if (!name) return;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
