import { createDataSource } from '@app/store';
import type { DataSource } from 'typeorm';

/** A DataSource on this run's database (see global-setup). */
export async function testDataSource(poolSize = 5): Promise<DataSource> {
  const url = process.env.TEST_DATABASE_URL;
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
