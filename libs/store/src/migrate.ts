import { createDataSource } from './data-source.js';

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so several processes starting at
 * once (api and worker) migrate one at a time; returns the names applied.
 */
export async function migrateDatabase(url: string): Promise<string[]> {
  const dataSource = createDataSource(url, { poolSize: 2 });
  await dataSource.initialize();
  try {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtext('branchflow.migrate'))`);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtext('branchflow.migrate'))`);
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}
