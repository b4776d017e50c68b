import { EnvException, loadEnv } from '@app/config';
import { migrateDatabase } from '@app/store';

/** `db migrate`: applies pending migrations to DATABASE_URL (created first if missing). */
export async function dbCommand(args: readonly string[]): Promise<number> {
  const [sub] = args;
  if (sub !== 'migrate') {
    process.stderr.write('usage: cli db migrate\n');
    return 2;
  }
  let url: string;
  try {
    url = loadEnv().DATABASE_URL;
  } catch (error) {
    if (!(error instanceof EnvException)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  await ensureDatabase(new URL(url));
  const applied = await migrateDatabase(url);
  process.stdout.write(
    applied.length === 0 ? 'database is up to date\n' : `applied: ${applied.join(', ')}\n`,
  );
  return 0;
}

/** Creates the database named in the URL when it does not exist yet (fresh machines). */
async function ensureDatabase(url: URL): Promise<void> {
  const { default: pg } = await import('pg');
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
