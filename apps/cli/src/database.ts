import { type Env, EnvException, loadEnv } from '@app/config';
import { OrgDirectory } from '@app/org';
import { createDataSource, systemClock } from '@app/store';
import type { DataSource } from 'typeorm';

export interface Database {
  readonly dataSource: DataSource;
  readonly directory: OrgDirectory;
  readonly env: Env;
}

/**
 * Runs `work` against DATABASE_URL (read through the validated environment) and closes the
 * connection after. A bad environment prints the problems and exits 1.
 */
export async function withDatabase(work: (db: Database) => Promise<number>): Promise<number> {
  let env: Env;
  try {
    env = loadEnv();
  } catch (error) {
    if (!(error instanceof EnvException)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const dataSource = createDataSource(env.DATABASE_URL, { poolSize: 2 });
  await dataSource.initialize();
  try {
    return await work({ dataSource, directory: new OrgDirectory(dataSource, systemClock), env });
  } finally {
    await dataSource.destroy();
  }
}
