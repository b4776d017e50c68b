import { createDataSource, migrateDatabase } from '@app/store';
import pg from 'pg';
import type { DataSource } from 'typeorm';

/** A DataSource on this run's database (see global-setup), or on the given one. */
export async function testDataSource(poolSize = 5, databaseUrl?: string): Promise<DataSource> {
  const url = databaseUrl ?? process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'TEST_DATABASE_URL is not set: run integration specs through jest (global-setup)',
    );
  const dataSource = createDataSource(url, { poolSize });
  await dataSource.initialize();
  return dataSource;
}

/** A clock the test moves by hand. */
export class TestClock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  set(at: number): void {
    this.current = at;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * A database of its own for a suite whose processes sweep the whole database (workers,
 * reconcilers): created, migrated, and dropped by `drop()`.
 */
export async function isolatedDatabase(
  tag: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new URL(
    process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  );
  const name =
    `${process.env.TEST_DATABASE_NAME ?? 'branchflow_test'}_${tag}_${process.pid}_${Date.now().toString(36)}`
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_')
      .slice(0, 63);
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
